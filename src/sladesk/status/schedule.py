"""Recurring maintenance windows in a time zone (issue 18, item 3). No Django.

A `Recurrence` says "every Sunday at 02:00 Europe/Berlin for 2 hours" (``weekly``),
"every day at 03:00" (``daily``) or "on the 1st of each month at 22:00" (``monthly``;
months without that day are skipped). Each occurrence starts at the local wall-clock
time on its local date and lasts ``duration`` of real (elapsed) time, so a window that
crosses a DST change still lasts exactly ``duration``. A start time that does not exist
that day (spring forward, e.g. 02:30 in Berlin on the last Sunday of March) begins at the
same distance past the jump (03:30 local: Python's ``fold=0`` reading, the offset before
the change); an ambiguous one (fall back) is the first of the two.

Windows are half-open ``[start, end)``; `occurrences` returns those that overlap a
half-open query window, oldest first, as aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo

__all__ = ["FREQUENCIES", "Frequency", "Recurrence", "occurrences"]

Frequency = Literal["daily", "weekly", "monthly"]
FREQUENCIES: Final[tuple[Frequency, ...]] = ("daily", "weekly", "monthly")


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A repeating maintenance window: local ``at`` time in ``tz`` on the dates the
    ``frequency`` picks (``weekdays`` 0 = Monday for weekly; ``day_of_month`` for monthly),
    from ``first_day`` to ``last_day`` (inclusive local dates; None: open-ended)."""

    frequency: Frequency
    at: time
    duration: timedelta
    tz: ZoneInfo
    first_day: date
    last_day: date | None = None
    weekdays: frozenset[int] = field(default_factory=frozenset)
    day_of_month: int | None = None

    def __post_init__(self) -> None:
        if self.frequency not in FREQUENCIES:
            raise ValueError(f"unknown frequency {self.frequency!r}; use daily, weekly or monthly")
        if self.duration <= timedelta(0):
            raise ValueError("a maintenance window needs a positive duration")
        if self.duration > timedelta(days=7):
            raise ValueError("a recurring maintenance window may last at most 7 days")
        if self.frequency == "weekly" and (
            not self.weekdays or not self.weekdays <= frozenset(range(7))
        ):
            raise ValueError("a weekly window needs weekdays among 0 (Monday) .. 6 (Sunday)")
        if self.frequency == "monthly" and not (
            self.day_of_month is not None and 1 <= self.day_of_month <= 31
        ):
            raise ValueError("a monthly window needs a day_of_month from 1 to 31")
        if self.last_day is not None and self.last_day < self.first_day:
            raise ValueError("last_day is before first_day")

    def picks(self, day: date) -> bool:
        """Whether a window starts on local date ``day``."""
        if day < self.first_day or (self.last_day is not None and day > self.last_day):
            return False
        if self.frequency == "weekly":
            return day.weekday() in self.weekdays
        if self.frequency == "monthly":
            return day.day == self.day_of_month
        return True

    def window_on(self, day: date) -> tuple[datetime, datetime]:
        """The window starting on local date ``day`` (whether or not `picks` it), in UTC."""
        start = datetime.combine(day, self.at, tzinfo=self.tz).astimezone(UTC)
        return start, start + self.duration


def occurrences(
    rule: Recurrence, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """The windows of ``rule`` that overlap ``[start, end)``, oldest first (aware, UTC)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the query window needs aware datetimes")
    if end <= start:
        return []
    # A window that overlaps the query started at most `duration` (+ a day of offsets)
    # before it, on a local date no later than the query's last local date.
    day = (start - rule.duration).astimezone(rule.tz).date() - timedelta(days=1)
    last = end.astimezone(rule.tz).date()
    out = []
    while day <= last:
        if rule.picks(day):
            s, e = rule.window_on(day)
            if s < end and e > start:
                out.append((s, e))
        day += timedelta(days=1)
    return out
