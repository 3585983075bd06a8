"""Schedules: create them, add overrides and swaps, and ask who is on call.

`engine` turns the rows of a schedule into the framework-free
`sladesk.oncall.schedule.Schedule` (participants by username); `oncall_users` asks it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.db import transaction

from sladesk.accounts.models import Team
from sladesk.core import time as core_time

from .. import schedule as engine_mod
from ..models import Override, Rotation, Schedule

__all__ = [
    "OncallError",
    "add_override",
    "create_schedule",
    "delete_override",
    "engine",
    "engines",
    "oncall_users",
    "parse_restrictions",
]


class OncallError(ValueError):
    """Bad input for an on-call service; the message names the problem."""


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise OncallError(f"timezone {name!r} is not an IANA time zone") from error
    return name


def _clock_time(text: Any, what: str) -> time:
    try:
        return time.fromisoformat(str(text))
    except ValueError as error:
        raise OncallError(f"{what}: {text!r} is not a time of day (HH:MM)") from error


def parse_restrictions(raw: Any) -> list[dict[str, Any]]:
    """Validate restriction windows ``[{"weekdays": [0-6], "start": "HH:MM", "end": "HH:MM"}]``."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise OncallError("restrictions must be a list of windows")
    out = []
    for n, window in enumerate(raw):
        if not isinstance(window, Mapping):
            raise OncallError(f"restrictions[{n}] must be an object")
        days = window.get("weekdays", list(range(7)))
        if (
            not isinstance(days, list)
            or not days
            or not all(isinstance(d, int) and 0 <= d <= 6 for d in days)
        ):
            raise OncallError(f"restrictions[{n}].weekdays must list days 0 (Monday) to 6")
        start = _clock_time(window.get("start", "00:00"), f"restrictions[{n}].start")
        end = _clock_time(window.get("end", "00:00"), f"restrictions[{n}].end")
        out.append(
            {
                "weekdays": sorted(set(days)),
                "start": start.strftime("%H:%M"),
                "end": end.strftime("%H:%M"),
            }
        )
    return out


def _restriction(window: Mapping[str, Any]) -> engine_mod.Restriction:
    return engine_mod.Restriction(
        frozenset(window["weekdays"]),
        time.fromisoformat(window["start"]),
        time.fromisoformat(window["end"]),
    )


def _users_by_name(names: Iterable[str]) -> dict[str, Any]:
    wanted = list(names)
    found = {u.username: u for u in get_user_model().objects.filter(username__in=wanted)}
    missing = [n for n in wanted if n not in found]
    if missing:
        raise OncallError(f"unknown user(s): {', '.join(missing)}")
    return found


@transaction.atomic
def create_schedule(
    *, team: Team, name: str, timezone: str, rotations: Sequence[Mapping[str, Any]]
) -> Schedule:
    """A new schedule for ``team`` with ``rotations`` (``participants``: usernames in turn
    order, ``length``: ``1d``/``1w``/``12h``, ``handoff``: the first hand-off, local
    ``YYYY-MM-DDTHH:MM`` without offset, optional ``layer`` and ``restrictions``)."""
    name = (name or "").strip()
    if not name:
        raise OncallError("name is required")
    if Schedule.objects.filter(team=team, name=name).exists():
        raise OncallError(f"team {team.slug} already has a schedule named {name!r}")
    schedule = Schedule.objects.create(team=team, name=name, timezone=_zone(timezone))
    for n, raw in enumerate(rotations):
        add_rotation(schedule, raw, index=n)
    return schedule


def add_rotation(schedule: Schedule, raw: Mapping[str, Any], *, index: int = 0) -> Rotation:
    what = f"rotations[{index}]"
    people = raw.get("participants")
    if not isinstance(people, list) or not people or not all(isinstance(p, str) for p in people):
        raise OncallError(f"{what}.participants must list usernames")
    users = _users_by_name(dict.fromkeys(people))
    try:
        engine_mod.parse_length(str(raw.get("length", "")))
    except engine_mod.ScheduleError as error:
        raise OncallError(f"{what}.{error}") from error
    try:
        handoff = datetime.fromisoformat(str(raw.get("handoff", "")))
    except ValueError as error:
        raise OncallError(
            f"{what}.handoff must be a local date and time, e.g. 2026-03-23T09:00"
        ) from error
    if handoff.tzinfo is not None:
        raise OncallError(f"{what}.handoff is a local wall-clock time: leave out the offset")
    layer = raw.get("layer", 0)
    if not isinstance(layer, int) or not 0 <= layer <= 100:
        raise OncallError(f"{what}.layer must be an integer 0-100")
    return Rotation.objects.create(
        schedule=schedule,
        name=str(raw.get("name") or f"rotation {index + 1}")[:100],
        layer=layer,
        participants=[users[p].pk for p in people],
        length=str(raw["length"]).strip(),
        # stored as the wall-clock reading in UTC (the field needs a zone; nothing converts it)
        handoff=handoff.replace(tzinfo=ZoneInfo("UTC")),
        restrictions=parse_restrictions(raw.get("restrictions")),
    )


def add_override(
    schedule: Schedule,
    *,
    user: Any,
    start: datetime,
    end: datetime,
    replaces: Any = None,
    reason: str = "",
    actor: Any = None,
) -> Override:
    """Put ``user`` on call for ``[start, end)`` (or, with ``replaces``, swap them in for
    that person). Instants must be aware and ``end`` after ``start``."""
    if start.tzinfo is None or end.tzinfo is None:
        raise OncallError("start and end need a UTC offset")
    if end <= start:
        raise OncallError("end must be after start")
    if end - start > timedelta(days=366):
        raise OncallError("an override lasts at most a year")
    return Override.objects.create(
        schedule=schedule,
        user=user,
        replaces=replaces,
        start=start,
        end=end,
        reason=reason[:200],
        created_by=actor,
    )


def delete_override(override: Override) -> None:
    override.delete()


def engines(
    schedules: Sequence[Schedule], *, since: datetime | None = None
) -> dict[int, engine_mod.Schedule]:
    """The engine of each schedule (three queries for any number): rotations, overrides
    ending after ``since`` (default: a day ago), and the usernames they name."""
    ids = [s.pk for s in schedules]
    since = since or core_time.now() - timedelta(days=1)
    rotations = list(Rotation.objects.filter(schedule_id__in=ids))
    overrides = list(Override.objects.filter(schedule_id__in=ids, end__gt=since))
    user_ids = {u for r in rotations for u in r.participants}
    user_ids |= {o.user_id for o in overrides} | {o.replaces_id for o in overrides if o.replaces_id}
    names = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username"))
    out = {}
    for s in schedules:
        mine = [r for r in rotations if r.schedule_id == s.pk]
        theirs = [o for o in overrides if o.schedule_id == s.pk]
        out[s.pk] = engine_mod.Schedule(
            s.timezone,
            tuple(
                engine_mod.Rotation(
                    tuple(names[u] for u in r.participants if u in names),
                    engine_mod.parse_length(r.length),
                    r.handoff.astimezone(ZoneInfo("UTC")).replace(tzinfo=None),
                    layer=r.layer,
                    restrictions=tuple(_restriction(w) for w in r.restrictions),
                    name=r.name,
                )
                for r in mine
            ),
            tuple(
                engine_mod.Override(names[o.user_id], o.start, o.end)
                for o in theirs
                if not o.replaces_id
            ),
            tuple(
                engine_mod.Swap(names[o.replaces_id], names[o.user_id], o.start, o.end)
                for o in theirs
                if o.replaces_id
            ),
        )
    return out


def engine(schedule: Schedule, *, since: datetime | None = None) -> engine_mod.Schedule:
    return engines([schedule], since=since)[schedule.pk]


def oncall_users(schedule: Schedule, at: datetime | None = None) -> list[Any]:
    """The users on call on ``schedule`` at ``at`` (default now), in order."""
    at = at or core_time.now()
    names = engine(schedule, since=at).oncall_at(at)
    users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    return [users[n] for n in names if n in users]
