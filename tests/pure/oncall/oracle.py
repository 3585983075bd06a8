"""The brute-force oracle the schedule engine is checked against: minute by minute.

It shares no code with `sladesk.oncall.schedule`: it walks every minute from before the
first hand-off, reads the wall clock with ``astimezone``, counts the hand-offs whose
wall-clock time the clock has reached (so a repeated autumn time counts at its first
occurrence and a time in a spring gap when the clock jumps past it), and decides
restriction windows as intervals of wall-clock time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sladesk.oncall.schedule import Restriction, Rotation, Schedule

__all__ = ["expand"]

MINUTE = timedelta(minutes=1)


def _inside(window: Restriction, reading: datetime) -> bool:
    for day in (reading.date(), reading.date() - timedelta(days=1)):
        if day.weekday() not in window.weekdays:
            continue
        start = datetime.combine(day, window.start)
        end_day = day if window.end > window.start else day + timedelta(days=1)
        end = datetime.combine(end_day, window.end)
        if start <= reading < end:
            return True
    return False


def _rotation_minutes(rotation: Rotation, tz: ZoneInfo, start: datetime, minutes: int) -> list[str | None]:
    walk = rotation.handoff.replace(tzinfo=tz).astimezone(ZoneInfo("UTC")) - timedelta(days=1)
    walk = min(walk, start)
    passed = 0
    out: list[str | None] = []
    end = start + minutes * MINUTE
    while walk < end:
        reading = walk.astimezone(tz).replace(tzinfo=None)
        while reading >= rotation.handoff + passed * rotation.length:
            passed += 1
        if walk >= start:
            who: str | None = None
            if passed and rotation.participants:
                who = rotation.participants[(passed - 1) % len(rotation.participants)]
            if rotation.restrictions and not any(_inside(w, reading) for w in rotation.restrictions):
                who = None
            out.append(who)
        walk += MINUTE
    return out


def expand(schedule: Schedule, start: datetime, minutes: int) -> list[tuple[str, ...]]:
    """Who is on call at each minute ``start + i`` (i < minutes), brute force."""
    tz = ZoneInfo(schedule.timezone)
    per_rotation = [_rotation_minutes(r, tz, start, minutes) for r in schedule.rotations]
    out: list[tuple[str, ...]] = []
    for i in range(minutes):
        t = start + i * MINUTE
        forced = [o.user for o in schedule.overrides if o.start <= t < o.end]
        if forced:
            out.append(tuple(dict.fromkeys(forced)))
            continue
        top: int | None = None
        for rotation, whos in zip(schedule.rotations, per_rotation, strict=True):
            if whos[i] is not None and (top is None or rotation.layer > top):
                top = rotation.layer
        people = [
            whos[i]
            for rotation, whos in zip(schedule.rotations, per_rotation, strict=True)
            if whos[i] is not None and rotation.layer == top
        ]
        for swap in schedule.swaps:
            if swap.start <= t < swap.end:
                people = [swap.to_user if p == swap.from_user else p for p in people]
        out.append(tuple(dict.fromkeys(p for p in people if p is not None)))
    return out
