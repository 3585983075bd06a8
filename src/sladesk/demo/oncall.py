"""The demo's on-call: a weekly rotation per team and an escalation policy per seed policy
(the names the seed policies' ``oncall:`` sections use), created before the demo tickets
so the demo's P1s, P0s and Urgents climb them."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import User

from sladesk.accounts.models import Team
from sladesk.oncall.models import NotificationRule
from sladesk.oncall.services.policies import create_escalation_policy
from sladesk.oncall.services.schedules import create_schedule

__all__ = ["load_oncall"]

BERLIN = ZoneInfo("Europe/Berlin")


def _monday_nine(now: datetime) -> str:
    """The local Monday 09:00 two weeks before ``now``'s week (Berlin), as the first hand-off."""
    local = now.astimezone(BERLIN)
    monday = (local - timedelta(days=local.weekday() + 14)).date()
    return f"{monday.isoformat()}T09:00"


def load_oncall(now: datetime, teams: dict[str, Team], members: dict[str, list[str]]) -> None:
    """``members``: team slug -> usernames (rotation order)."""
    handoff = _monday_nine(now)
    schedules = {}
    for slug, team in teams.items():
        people = members.get(slug) or []
        if people:
            schedules[slug] = create_schedule(
                team=team,
                name="Primary",
                timezone="Europe/Berlin",
                rotations=[
                    {"participants": people, "length": "1w", "handoff": handoff, "name": "weekly"}
                ],
            )
    steps = {
        # Particle: "the on-call support resource" — primary, then DevOps' on-call 5 min later
        "particle-p1": [("product-support", 5), ("devops", 5)],
        # Houseware: 24/7 SRE team (DevOps), then the whole team's channel
        "houseware-sre": [("devops", 5), ("devops!", 10)],
        # freistilbox: the on-call engineer of cloud support, then DevOps
        "freistilbox-oncall": [("cloud-support", 10), ("devops", 10)],
        "esper-support": [("product-support", 15)],
    }
    for name, plan in steps.items():
        built = []
        for slug, wait in plan:
            if slug.endswith("!"):
                built.append({"kind": "channel", "team": teams[slug[:-1]].pk, "wait_minutes": wait})
            elif slug in schedules:
                built.append(
                    {"kind": "schedule", "schedule": schedules[slug].pk, "wait_minutes": wait}
                )
        create_escalation_policy(
            name=name,
            steps=built,
            repeat=1,
            timezone="Europe/Berlin",
            description=f"demo escalation policy for the {name.split('-')[0]} seed",
        )
    # bob (Berlin) wants e-mail at once and again after 5 minutes while nobody has it
    bob = User.objects.filter(username="bob").first()
    if bob is not None:
        NotificationRule.objects.create(user=bob, channel="email")
        NotificationRule.objects.create(user=bob, channel="email", delay_minutes=5)
