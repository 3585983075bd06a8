"""Escalation policies: create and replace them (a change bumps ``version``; pages
already climbing keep their snapshot)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F

from sladesk.accounts.models import Team

from ..models import EscalationPolicy, EscalationStep, Schedule, StepKind
from .schedules import OncallError, _zone, parse_restrictions

__all__ = ["CHANNELS", "bump_version", "create_escalation_policy", "replace_steps"]

CHANNELS = ("", "pagerduty", "slack", "webhook", "apprise")


def _step(policy: EscalationPolicy, n: int, raw: Mapping[str, Any]) -> EscalationStep:
    what = f"steps[{n}]"
    kind = raw.get("kind")
    if kind not in StepKind.values:
        raise OncallError(f"{what}.kind must be one of {', '.join(StepKind.values)}")
    step = EscalationStep(policy=policy, position=n, kind=kind)
    if kind == StepKind.USER:
        user = get_user_model().objects.filter(username=raw.get("user") or "").first()
        if user is None:
            raise OncallError(f"{what}.user: no user named {raw.get('user')!r}")
        step.user = user
    elif kind == StepKind.SCHEDULE:
        schedule = Schedule.objects.filter(
            pk=raw.get("schedule") if isinstance(raw.get("schedule"), int) else None
        ).first()
        if schedule is None:
            raise OncallError(f"{what}.schedule: no schedule with id {raw.get('schedule')!r}")
        step.schedule = schedule
    else:
        team = Team.objects.filter(
            pk=raw.get("team") if isinstance(raw.get("team"), int) else None
        ).first()
        if team is None:
            raise OncallError(f"{what}.team: no team with id {raw.get('team')!r}")
        step.team = team
        channel = raw.get("channel", "") or ""
        if kind == StepKind.CHANNEL and channel not in CHANNELS:
            raise OncallError(
                f"{what}.channel must be one of {', '.join(c for c in CHANNELS if c)} (or blank)"
            )
        step.channel = channel
    wait = raw.get("wait_minutes", 5)
    if not isinstance(wait, int) or not 0 <= wait <= 7 * 24 * 60:
        raise OncallError(f"{what}.wait_minutes must be 0 to 10080")
    step.wait_minutes = wait
    step.windows = parse_restrictions(raw.get("windows"))
    step.outside = bool(raw.get("outside", False))
    return step


def bump_version(policy: EscalationPolicy) -> None:
    """The policy changed: a new version (pages already climbing keep their snapshot)."""
    EscalationPolicy.objects.filter(pk=policy.pk).update(version=F("version") + 1)


@transaction.atomic
def replace_steps(policy: EscalationPolicy, steps: Sequence[Mapping[str, Any]]) -> EscalationPolicy:
    """Replace the steps of ``policy`` (validated first; nothing changes on an error)."""
    built = [_step(policy, n, raw) for n, raw in enumerate(steps)]
    existed = policy.steps.exists()
    policy.steps.all().delete()
    EscalationStep.objects.bulk_create(built)
    if existed:
        bump_version(policy)
        policy.refresh_from_db(fields=["version"])
    return policy


@transaction.atomic
def create_escalation_policy(
    *,
    name: str,
    steps: Sequence[Mapping[str, Any]],
    repeat: int = 0,
    timezone: str = "UTC",
    team: Team | None = None,
    description: str = "",
) -> EscalationPolicy:
    """A new escalation policy (``name`` as policy files write it) with ordered ``steps``:
    ``{"kind": "user"|"schedule"|"team"|"channel", "user": username | "schedule": id |
    "team": id, "channel": ..., "wait_minutes": 5, "windows": [...], "outside": false}``."""
    if not name or EscalationPolicy.objects.filter(name=name).exists():
        raise OncallError(f"escalation policy name {name!r} is missing or taken")
    if not isinstance(repeat, int) or not 0 <= repeat <= 20:
        raise OncallError("repeat must be 0 to 20")
    policy = EscalationPolicy.objects.create(
        name=name, repeat=repeat, timezone=_zone(timezone), team=team, description=description
    )
    return replace_steps(policy, steps)
