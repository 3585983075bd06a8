"""A deliberately naive reference for business-time arithmetic: step UTC minute by minute.

It implements the contract of `sladesk.sla.Calendar` independently of its code (no
layouts, no offset pieces, no interval algebra), so that the tests can compare the two:

An instant ``t`` is working time iff its local wall-clock reading ``w`` (``t`` seen in the
calendar's zone, via `zoneinfo`) satisfies

    (w lies in a weekly span of w's local date, or in the tail of an overnight weekly
     span that started on the previous local date)
    AND NOT (w lies in a ``closed`` span of the exception on w's local date)
    OR  (w lies in an ``opened`` span of the exception on w's local date).

The exception on a date is the explicit one when given, else a public holiday from the
`holidays` package (observed days included), which closes the whole date 00:00-24:00.
Spans are half-open ``[start, end)`` seconds after local midnight; an overnight span
(``end <= start``) runs to ``end`` on the next date (exception spans are read the same
way). All inputs are minute-aligned (spans, starts, work), and every DST change in tzdata
falls on a minute boundary, so working time is constant over each UTC minute
``[m, m + 60)``: stepping minutes is exact.

Cost is linear in the time stepped; keep queries to days or a few weeks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from sladesk.sla import Calendar, DayException

__all__ = ["MINUTE", "Oracle", "OracleSpec", "build_calendar", "dst_changes"]

MINUTE = 60
Span = tuple[int, int]
_FULL_DAY: tuple[Span, ...] = ((0, 86_400),)
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class OracleSpec:
    """A calendar as plain data: what both the oracle and `Calendar` are built from.

    ``exceptions`` maps a date to ``(closed_spans, opened_spans)``.
    """

    timezone: str
    weekly: Mapping[int, Sequence[Span]]
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    exceptions: Mapping[date, tuple[Sequence[Span], Sequence[Span]]] = field(default_factory=dict)


def _in_spans(today: Sequence[Span], yesterday: Sequence[Span], tod: int) -> bool:
    """Whether a wall time ``tod`` (seconds after midnight) lies in ``today``'s spans or in
    the overnight tail of ``yesterday``'s."""
    for s, e in today:
        if e > s:
            if s <= tod < e:
                return True
        elif tod >= s:  # overnight span, evening part
            return True
    for s, e in yesterday:  # noqa: SIM110  (a plain loop: any() on a generator is slower)
        if e <= s and tod < e:  # overnight span of yesterday, morning tail
            return True
    return False


class Oracle:
    """Minute-stepping reference for ``add`` and ``elapsed`` on epoch seconds."""

    def __init__(self, spec: OracleSpec, max_minutes: int = 2_000_000) -> None:
        self.spec = spec
        self.zone = ZoneInfo(spec.timezone)
        self.max_minutes = max_minutes
        self._holidays: dict[int, set[date]] = {}
        self._day_rules: dict[date, tuple[Sequence[Span], ...]] = {}

    def _holiday_dates(self, year: int) -> set[date]:
        got = self._holidays.get(year)
        if got is None:
            got = set()
            if self.spec.holiday_country is not None:
                got = set(
                    holidays_lib.country_holidays(
                        self.spec.holiday_country,
                        subdiv=self.spec.holiday_subdivision,
                        years=year,
                    )
                )
            self._holidays[year] = got
        return got

    def _exception(self, day: date) -> tuple[Sequence[Span], Sequence[Span]]:
        explicit = self.spec.exceptions.get(day)
        if explicit is not None:
            return explicit
        if day in self._holiday_dates(day.year):
            return _FULL_DAY, ()
        return (), ()

    def _rules_of(self, day: date) -> tuple[Sequence[Span], ...]:
        """The six span lists that decide a wall time on ``day`` (cached per date)."""
        got = self._day_rules.get(day)
        if got is None:
            prev = day - _ONE_DAY
            weekly = self.spec.weekly
            closed, opened = self._exception(day)
            prev_closed, prev_opened = self._exception(prev)
            got = (
                weekly.get(day.weekday(), ()),
                weekly.get(prev.weekday(), ()),
                closed,
                prev_closed,
                opened,
                prev_opened,
            )
            self._day_rules[day] = got
        return got

    def is_working(self, t: int) -> bool:
        """Whether the UTC instant ``t`` (epoch seconds) is working time."""
        wall = datetime.fromtimestamp(t, self.zone)
        today, yesterday, closed, prev_closed, opened, prev_opened = self._rules_of(wall.date())
        tod = wall.hour * 3600 + wall.minute * 60 + wall.second
        if _in_spans(opened, prev_opened, tod):
            return True
        return _in_spans(today, yesterday, tod) and not _in_spans(closed, prev_closed, tod)

    def add(self, start: int, work: int) -> int:
        """Earliest epoch second at which ``work`` seconds of working time have elapsed."""
        assert start % MINUTE == 0 and work % MINUTE == 0 and work >= 0
        left, t = work, start
        for _ in range(self.max_minutes):
            if left == 0:
                return t
            if self.is_working(t):
                left -= MINUTE
            t += MINUTE
        raise RuntimeError("oracle: too many minutes stepped")

    def elapsed(self, a: int, b: int) -> int:
        """Working seconds in ``[a, b)``; negative when ``b < a``."""
        assert a % MINUTE == 0 and b % MINUTE == 0
        if b < a:
            return -self.elapsed(b, a)
        assert (b - a) // MINUTE <= self.max_minutes
        return sum(MINUTE for t in range(a, b, MINUTE) if self.is_working(t))


def dst_changes(timezone: str, year: int) -> list[int]:
    """Epoch seconds of the UTC offset changes of ``timezone`` in ``year`` (hour steps,
    then minute steps; naive on purpose)."""
    zone = ZoneInfo(timezone)
    t = int(datetime(year, 1, 1, tzinfo=ZoneInfo("UTC")).timestamp())
    end = int(datetime(year + 1, 1, 1, tzinfo=ZoneInfo("UTC")).timestamp())
    out: list[int] = []
    prev = datetime.fromtimestamp(t, zone).utcoffset()
    while t < end:
        nxt = datetime.fromtimestamp(t + 3600, zone).utcoffset()
        if nxt != prev:
            m = t
            while datetime.fromtimestamp(m, zone).utcoffset() == prev:
                m += MINUTE
            out.append(m)
            prev = nxt
        t += 3600
    return out


def build_calendar(spec: OracleSpec, name: str = "test") -> Calendar:
    """The `Calendar` under test for ``spec`` (public API only; the oracle never uses it)."""
    return Calendar(
        name,
        spec.timezone,
        spec.weekly,
        holiday_country=spec.holiday_country,
        holiday_subdivision=spec.holiday_subdivision,
        exceptions={
            day: DayException("exception", closed=tuple(closed), opened=tuple(opened))
            for day, (closed, opened) in spec.exceptions.items()
        },
    )
