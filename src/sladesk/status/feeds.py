"""The page's data in Atlassian Statuspage's public JSON shapes (``/api/v2/*.json``).

`snapshot` reads everything one page shows in a fixed number of queries and returns the
``summary.json`` document plus what the HTML page and the other endpoints need; the
public views cache it per page revision (`sladesk.status.cache`). Field names and values
follow Statuspage's public API v2 so existing widgets and monitors work: components carry
``group``/``group_id``/``components`` (a group lists its children's ids), incidents carry
``incident_updates`` with ``affected_components``, maintenance is an incident with
``scheduled_for``/``scheduled_until`` and impact ``maintenance``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.urls import reverse

from sladesk.core import time as core_time

from .models import Component, ComponentStatus, Incident, Maintenance, StatusPage
from .uptime import SEVERITY

__all__ = [
    "component_json",
    "incident_payload",
    "indicator",
    "iso",
    "maintenance_payload",
    "page_json",
    "snapshot",
]

INCIDENTS_SHOWN = 50  # incidents.json: the 50 most recent, as Statuspage


def iso(at: datetime | None) -> str | None:
    return None if at is None else at.astimezone(ZoneInfo("UTC")).isoformat().replace("+00:00", "Z")


def page_json(page: StatusPage) -> dict[str, Any]:
    return {
        "id": page.public_id,
        "name": page.name,
        "url": reverse("status:page", args=[page.slug]),
        "time_zone": page.time_zone,
        "updated_at": iso(page.updated_at),
    }


def component_json(c: Component, page: StatusPage) -> dict[str, Any]:
    return {
        "id": c.public_id,
        "name": c.name,
        "status": c.status,
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
        "position": c.position,
        "description": c.description or None,
        "showcase": c.showcase,
        "start_date": c.start_date.isoformat() if c.start_date else None,
        "group_id": c.group.public_id if c.group_id and c.group else None,
        "page_id": page.public_id,
        "group": False,
        "only_show_if_degraded": c.only_show_if_degraded,
    }


def _update_json(u: Any, incident: Incident) -> dict[str, Any]:
    return {
        "id": u.public_id,
        "status": u.status,
        "body": u.body,
        "incident_id": incident.public_id,
        "created_at": iso(u.created_at),
        "updated_at": iso(u.created_at),
        "display_at": iso(u.display_at),
        "affected_components": u.affected_components or None,
        "deliver_notifications": True,
    }


def incident_payload(incident: Incident) -> dict[str, Any]:
    """One incident as Statuspage shows it (updates newest first)."""
    page = incident.page
    return {
        "id": incident.public_id,
        "name": incident.name,
        "status": incident.status,
        "created_at": iso(incident.created_at),
        "updated_at": iso(incident.updated_at),
        "monitoring_at": iso(incident.monitoring_at),
        "resolved_at": iso(incident.resolved_at),
        "impact": incident.impact,
        "shortlink": reverse("status:incident", args=[page.slug, incident.public_id]),
        "started_at": iso(incident.started_at),
        "page_id": page.public_id,
        "incident_updates": [_update_json(u, incident) for u in incident.updates.all()],
        "components": [component_json(a.component, page) for a in incident.affected.all()],
        "postmortem_body": incident.postmortem_body or None,
    }


def _maintenance_window(m: Maintenance, now: datetime) -> tuple[datetime, datetime] | None:
    from .services.maintenance import windows

    found = windows(m, now, now + timedelta(days=366))
    if found:
        return found[0]
    past = windows(m, now - timedelta(days=30), now)
    return past[-1] if past else None


def maintenance_payload(
    m: Maintenance, *, event: str | None = None, at: datetime | None = None
) -> dict[str, Any]:
    """One maintenance as a Statuspage scheduled maintenance: its current or next window
    (``at``: that window's start, when the caller knows it)."""
    now = core_time.now()
    window = _maintenance_window(m, at or now)
    start, end = window if window else (m.scheduled_for, m.scheduled_until)
    if event is None:
        if m.cancelled_at or (end is not None and end <= now):
            event = "completed"
        elif start is not None and start <= now:
            event = "in_progress"
        else:
            event = "scheduled"
    return {
        "id": m.public_id,
        "name": m.name,
        "status": event,
        "created_at": iso(m.created_at),
        "updated_at": iso(m.updated_at),
        "monitoring_at": None,
        "resolved_at": iso(end) if event == "completed" else None,
        "impact": "maintenance",
        "shortlink": reverse("status:page", args=[m.page.slug]),
        "started_at": iso(start),
        "page_id": m.page.public_id,
        "incident_updates": [
            {
                "id": f"{m.public_id}-{event}",
                "status": event,
                "body": m.body or m.name,
                "incident_id": m.public_id,
                "created_at": iso(m.created_at),
                "updated_at": iso(m.updated_at),
                "display_at": iso(m.created_at),
                "affected_components": None,
            }
        ],
        "components": [component_json(c, m.page) for c in m.components.all()],
        "scheduled_for": iso(start),
        "scheduled_until": iso(end),
        "recurring": bool(m.frequency),
    }


_DESCRIPTIONS = {
    "none": "All Systems Operational",
    "minor": "Minor Service Outage",
    "major": "Partial System Outage",
    "critical": "Major System Outage",
    "maintenance": "Service Under Maintenance",
}


def indicator(statuses: list[str], open_impacts: list[str]) -> dict[str, str]:
    """Statuspage's blended page status: the worse of the components' statuses (major
    outage: critical, partial: major, degraded: minor) and the open incidents' impacts;
    ``maintenance`` when nothing is wrong but something is under maintenance."""
    rank = {"none": 0, "minor": 1, "major": 2, "critical": 3}
    down = [s for s in statuses if s != ComponentStatus.MAINTENANCE]
    worst = max(down, key=lambda s: SEVERITY.get(s, 0), default="operational")  # type: ignore[arg-type]
    level = {
        ComponentStatus.MAJOR: "critical",
        ComponentStatus.PARTIAL: "major",
        ComponentStatus.DEGRADED: "minor",
    }.get(worst, "none")
    level = max([level, *open_impacts], key=lambda i: rank.get(i, 0))
    if rank.get(level, 0) == 0:
        level = "maintenance" if ComponentStatus.MAINTENANCE in statuses else "none"
    return {"indicator": level, "description": _DESCRIPTIONS[level]}


def snapshot(page: StatusPage) -> dict[str, Any]:
    """Everything the page shows, in Statuspage shapes (a fixed number of queries)."""
    components = list(
        Component.objects.filter(page=page).select_related("group").order_by("position", "id")
    )
    rendered: list[dict[str, Any]] = []
    groups: dict[int, dict[str, Any]] = {}
    for c in components:
        item = component_json(c, page)
        if c.group_id and c.group is not None:
            if c.group_id not in groups:
                g = c.group
                groups[c.group_id] = {
                    **item,
                    "id": g.public_id,
                    "name": g.name,
                    "description": g.description or None,
                    "position": g.position,
                    "group_id": None,
                    "group": True,
                    "components": [],
                    "created_at": iso(g.created_at),
                }
                rendered.append(groups[c.group_id])
            group = groups[c.group_id]
            group["components"].append(c.public_id)
            group["status"] = max(
                (group["status"], c.status),
                key=lambda s: SEVERITY.get(s, 0),  # type: ignore[arg-type]
            )
        rendered.append(item)
    incidents = list(
        Incident.objects.filter(page=page)
        .select_related("page")
        .prefetch_related("updates", "affected__component__group")
        .order_by("-started_at", "-id")[:INCIDENTS_SHOWN]
    )
    all_incidents = [incident_payload(i) for i in incidents]
    unresolved = [p for i, p in zip(incidents, all_incidents, strict=True) if i.is_open]
    maintenances = [
        maintenance_payload(m)
        for m in Maintenance.objects.filter(page=page, cancelled_at__isnull=True)
        .select_related("page")
        .prefetch_related("components__group")
    ]
    maintenances.sort(key=lambda m: m["scheduled_for"] or "")
    active = [m for m in maintenances if m["status"] != "completed"]
    status = indicator([c.status for c in components], [i["impact"] for i in unresolved])
    return {
        "page": page_json(page),
        "components": rendered,
        "incidents": unresolved,
        "scheduled_maintenances": active,
        "status": status,
        "_all_incidents": all_incidents,
        "_all_maintenances": maintenances,
    }
