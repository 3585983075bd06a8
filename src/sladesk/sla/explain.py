"""Explain a deadline in words: which days the working time falls on and which were closed.

Example (particle-enterprise P2 first response, ticket at 2026-11-25T16:30-08:00)::

    4 business hours from Wed 25 Nov 16:30 PST: 30 min on Wed, Thu 26 Nov closed
    (Thanksgiving Day), 3 h 30 min on Fri → due Fri 27 Nov 12:30 PST

Conventions: instants are shown in the target calendar's local zone (calendar-time
targets in the zone of the ticket's plan/region calendar); days with no hours in the
weekly pattern (weekends) are skipped silently; holidays and other exceptions are named;
three or more consecutive days with the same full hours are compressed to
``8 h a day Mon 30 Nov–Fri 4 Dec``; days within a week of the start are named by weekday
only. A start outside hours says when the clock starts.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from .durations import format_timedelta

if TYPE_CHECKING:
    from .policy.model import Target

__all__ = ["explain_target", "format_instant"]

_RUN = 3  # compress runs of at least this many equal full days


def format_instant(dt: datetime, with_year: bool = False) -> str:
    """``Wed 25 Nov 16:30 PST`` (``Wed 25 Nov 2026 16:30 PST`` with the year)."""
    year = f" {dt.year}" if with_year else ""
    return f"{dt:%a} {dt.day} {dt:%b}{year} {dt:%H:%M} {dt.tzname()}"


def _day(d: date) -> str:
    return f"{d:%a} {d.day} {d:%b}"


def explain_target(target: Target, start: datetime) -> str:
    """The words behind ``target.due(start)``."""
    if target.continuous or target.duration is None:
        return f"{target.text}: no timer (flagged for continuous work)"
    due = target.due(start)
    assert due is not None
    shown = target.display_calendar or target.calendar
    if not target.business:
        s = start.astimezone(shown.zone)
        return (
            f"{target.text} calendar time from {format_instant(s)} → due "
            f"{format_instant(due, with_year=due.year != s.year)}"
        )
    cal = target.calendar
    s = start.astimezone(cal.zone)
    due = due.astimezone(cal.zone)
    head = target.text
    if target.duration.unit in ("days", "weeks"):
        head += f" ({format_timedelta(target.work)})"
    if display_differs := (shown is not cal):
        head += f" of {target.calendar_name} hours"
    head += f" from {format_instant(s)}"
    if not cal.is_open(s):
        head += f" (outside hours; the clock starts {format_instant(cal.next_open(s))})"
    parts = _describe_days(target, s, due)
    tail = f" → due {format_instant(due, with_year=due.year != s.year)}"
    if display_differs:
        local = due.astimezone(shown.zone)
        if local.utcoffset() != due.utcoffset():
            tail += f" ({format_instant(local)})"
    return f"{head}: {', '.join(parts)}{tail}" if parts else head + tail


def _describe_days(target: Target, s: datetime, due: datetime) -> list[str]:
    cal = target.calendar
    start_day = s.date()
    full_day = cal.business_day

    def on(d: date) -> str:
        return f"{d:%a}" if (d - start_day).days < 7 else _day(d)

    items: list[tuple[str, date, timedelta, str | None]] = []
    for seg in cal.segments(s, due):
        if seg.worked > timedelta(0):
            items.append(("work", seg.day, seg.worked, seg.closed_reason))
        elif seg.closed_reason:
            items.append(("closed", seg.day, seg.worked, seg.closed_reason))
    parts: list[str] = []
    i = 0
    while i < len(items):
        kind, day, worked, reason = items[i]
        if kind == "closed":
            parts.append(f"{_day(day)} closed ({reason})")
            i += 1
            continue
        j = i
        while (
            j + 1 < len(items)
            and items[j + 1][0] == "work"
            and items[j + 1][2] == worked
            and items[j + 1][3] is None
            and reason is None
        ):
            j += 1
        if j - i + 1 >= _RUN and worked == full_day:
            parts.append(f"{format_timedelta(worked)} a day {_day(day)}–{_day(items[j][1])}")
            i = j + 1
            continue
        note = f" ({reason})" if reason else ""
        parts.append(f"{format_timedelta(worked)} on {on(day)}{note}")
        i += 1
    return parts
