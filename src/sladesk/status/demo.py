"""Demo status pages for `make run` (`sladesk.demo.data.load` calls `load_pages`).

One page per seed company — Particle (status.particle.io in seed 000), Esper, Houseware
(its 99.5% promise, seed 003) and freistilbox — with components in groups and a little
history written through the services at instants in the past (`sladesk.core.time.travel`):
resolved incidents over the last weeks, a weekly maintenance window, one incident still
being monitored.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sladesk.core.time import travel

from .models import StatusPage
from .services import create_component, open_incident, post_update, schedule_maintenance

__all__ = ["PAGES", "load_pages"]

#: slug, name, policy, time zone, {group: [components]}, default page
PAGES: list[dict[str, Any]] = [
    dict(
        slug="particle",
        name="Particle",
        policy="particle-enterprise",
        tz="America/Los_Angeles",
        groups={
            "Device Cloud": ["Device Service", "OTA updates", "Webhooks"],
            "Web": ["Console", "REST API"],
        },
        default=True,
    ),
    dict(
        slug="esper",
        name="Esper",
        policy="esper",
        tz="America/Los_Angeles",
        groups={"Platform": ["Console", "Device agent (DPC)", "API"]},
        default=False,
    ),
    dict(
        slug="houseware",
        name="Houseware",
        policy="houseware",
        tz="Asia/Kolkata",
        groups={"Product": ["Houseware app", "Data connectors", "Support center"]},
        default=False,
    ),
    dict(
        slug="freistilbox",
        name="freistilbox",
        policy="freistilbox",
        tz="Europe/Berlin",
        groups={"Hosting": ["Clusters", "Mail", "Backups"], "Tools": ["Dashboard"]},
        default=False,
    ),
]


def load_pages(now: datetime) -> int:
    """Create the demo pages (nothing when a page with the first slug exists)."""
    if StatusPage.objects.filter(slug=PAGES[0]["slug"]).exists():
        return 0
    for n, spec in enumerate(PAGES):
        with travel(now - timedelta(days=100)):
            page = StatusPage.objects.create(
                slug=spec["slug"],
                name=spec["name"],
                policy_name=spec["policy"],
                time_zone=spec["tz"],
                is_default=spec["default"],
                description=f"Live availability of {spec['name']}'s services.",
            )
            components = [
                create_component(page, name=name, group=group)
                for group, names in spec["groups"].items()
                for name in names
            ]
        for k, days_ago in enumerate((61 + n, 33 + n, 12 + 2 * n)):
            target = components[(k + n) % len(components)]
            start = now - timedelta(days=days_ago, hours=3 + k)
            with travel(start + timedelta(hours=6)):
                open_incident(
                    page,
                    name=f"Elevated errors on {target.name}",
                    body="Some requests failed; a faulty deploy was rolled back.",
                    impact="major" if k == 1 else "minor",
                    components={target.pk: "major_outage" if k == 1 else "partial_outage"},
                    started_at=start,
                    resolved_at=start + timedelta(minutes=25 + 20 * k),
                )
        with travel(now - timedelta(days=95)):
            schedule_maintenance(
                page,
                name="Weekly database maintenance",
                body="Short interruptions are possible.",
                components=[components[-1].pk],
                frequency="weekly",
                weekdays=[6],
                at_time=time(3),
                duration_minutes=60,
                time_zone=spec["tz"],
            )
    particle = StatusPage.objects.get(slug="particle")
    ota = particle.components.get(name="OTA updates")
    with travel(now - timedelta(minutes=50)):
        incident = open_incident(
            particle,
            name="Delayed OTA updates",
            body="Firmware updates are queueing; we are investigating.",
            impact="minor",
            components={ota.pk: "degraded_performance"},
        )
    with travel(now - timedelta(minutes=10)):
        post_update(incident, status="monitoring", body="A fix is out; updates are flowing again.")
    return len(PAGES)
