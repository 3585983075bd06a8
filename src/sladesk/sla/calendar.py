"""Business calendars: a zone, weekly working hours and holidays, with exact time arithmetic.

A `Calendar` answers two questions, exactly to the microsecond and across DST changes:
``add(start, work)`` (when has ``work`` of working time elapsed since ``start``?) and
``elapsed(a, b)`` (how much working time lies in ``[a, b)``?).

What counts as working time is defined in `sladesk.sla.timeline`: an instant is working
time when its local wall-clock reading falls in a working range of its local date. The
working ranges are the weekly spans, minus each exception's closed spans on that date
(a public holiday closes the whole date, 00:00-24:00, including the tail of an overnight
shift that began the evening before), plus each exception's extra open spans.

How it is fast: for a range of years the working time is laid out once as sorted UTC
intervals with the cumulative working time before each; a query is two bisections.
The range grows on demand (a query in 2090 works; it costs one rebuild).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_lib

from .errors import NaiveDatetimeError, NoWorkingTimeError, SlaError
from .layout import DayException, Layout, build_layout
from .spans import DAY, FULL_DAY, Span

__all__ = ["Calendar", "DayException", "DaySegment"]

_US = 1_000_000
_GROW = 2  # years laid out beyond a query, and added per extension
_MIN_YEAR, _MAX_YEAR = 1971, 9998


@dataclass(frozen=True)
class DaySegment:
    """Working time on one local date within a queried range (for explanations).

    ``closed_reason`` names the exception (e.g. ``Thanksgiving Day``) when the weekly
    pattern has hours on that date but the exception removed some or all of them.
    """

    day: date
    worked: timedelta
    closed_reason: str | None


class Calendar:
    """A business calendar in one IANA zone. Immutable once built; safe to share."""

    def __init__(
        self,
        name: str,
        timezone: str,
        weekly: Mapping[int, Sequence[Span]],
        *,
        holiday_country: str | None = None,
        holiday_subdivision: str | None = None,
        exceptions: Mapping[date, DayException] | None = None,
        business_day: timedelta | None = None,
    ) -> None:
        """``weekly`` maps weekday (0 = Monday) to spans (`sladesk.sla.spans`).

        ``holiday_country``/``holiday_subdivision`` take whole-day closures from the
        ``holidays`` package (observed days included); ``exceptions`` are explicit dates
        and win over the package on the same date. ``business_day`` is the length of one
        "business day" in targets; by default the longest weekday's working time.
        """
        try:
            self.zone = ZoneInfo(timezone)
        except Exception as exc:
            raise SlaError(f"unknown time zone {timezone!r} (use an IANA name)") from exc
        self.name = name
        self.timezone = timezone
        self.weekly: dict[int, tuple[Span, ...]] = {d: tuple(weekly.get(d, ())) for d in range(7)}
        self.holiday_country = holiday_country
        self.holiday_subdivision = holiday_subdivision
        self.exceptions: dict[date, DayException] = dict(exceptions or {})
        if holiday_country is not None:
            try:
                holidays_lib.country_holidays(holiday_country, subdiv=holiday_subdivision)
            except NotImplementedError as exc:
                raise SlaError(
                    f"the holidays package knows no country {holiday_country!r}"
                    + (f" subdivision {holiday_subdivision!r}" if holiday_subdivision else "")
                ) from exc
        lengths = [self._weekday_seconds(d) for d in range(7)]
        if not any(lengths) and not any(e.opened for e in self.exceptions.values()):
            raise NoWorkingTimeError(f"calendar {name!r} has no working hours on any weekday")
        self.business_day = business_day or timedelta(seconds=max(lengths) or DAY)
        self._holiday_cache: dict[int, dict[date, str]] = {}
        self._layout: Layout | None = None

    @classmethod
    def always(cls, name: str = "24x7", timezone: str = "UTC") -> Calendar:
        """A 24x7 calendar: every instant is working time (calendar time)."""
        return cls(name, timezone, {d: FULL_DAY for d in range(7)})

    def __repr__(self) -> str:
        return f"Calendar({self.name!r}, {self.timezone!r})"

    # ----------------------------------------------------------------- public queries
    def add(self, start: datetime, work: timedelta) -> datetime:
        """The earliest instant at which ``work`` of working time has elapsed since ``start``.

        A start outside working hours waits for the next opening; a deadline that lands
        exactly on a closing time is that closing time. ``work == 0`` returns ``start``.
        The result is in this calendar's zone. (Hot path: kept flat on purpose.)
        """
        o = start.utcoffset()
        if o is None:
            raise NaiveDatetimeError("start", start)
        w = (work.days * DAY + work.seconds) * _US + work.microseconds
        if w <= 0:
            if w < 0:
                raise SlaError(f"work must not be negative, got {work}")
            return start.astimezone(self.zone)
        # µs since the epoch, exactly (datetime.timestamp() is a float, and slower)
        s = (
            (start.toordinal() - _EPOCH_ORDINAL) * DAY
            + start.hour * 3600
            + start.minute * 60
            + start.second
            - o.days * DAY
            - o.seconds
        ) * _US + (start.microsecond - o.microseconds)
        lay = self._layout
        if lay is None or not lay.lo_us <= s < lay.hi_us:
            lay = self._covering(s)
        i = bisect_right(lay.starts, s) - 1
        if i < 0:
            target = w
        elif s < lay.ends[i]:
            target = s - lay.off[i] + w
        else:
            target = lay.cum_end[i] + w
        j = bisect_left(lay.cum_end, target)
        due = lay.off[j] + target if j < len(lay.off) else self._add_us(s, w)
        if due < _FLOAT_EXACT_US:
            return _fromtimestamp(due / _US, self.zone)
        return _from_us(due, self.zone)

    def elapsed(self, a: datetime, b: datetime) -> timedelta:
        """Working time in ``[a, b)``; negative when ``b`` is before ``a``. (Hot path.)"""
        oa, ob = a.utcoffset(), b.utcoffset()
        if oa is None:
            raise NaiveDatetimeError("a", a)
        if ob is None:
            raise NaiveDatetimeError("b", b)
        sa = (
            (a.toordinal() - _EPOCH_ORDINAL) * DAY
            + a.hour * 3600
            + a.minute * 60
            + a.second
            - oa.days * DAY
            - oa.seconds
        ) * _US + (a.microsecond - oa.microseconds)
        sb = (
            (b.toordinal() - _EPOCH_ORDINAL) * DAY
            + b.hour * 3600
            + b.minute * 60
            + b.second
            - ob.days * DAY
            - ob.seconds
        ) * _US + (b.microsecond - ob.microseconds)
        lay = self._layout
        if lay is None or not (lay.lo_us <= sa < lay.hi_us and lay.lo_us <= sb < lay.hi_us):
            lay = self._covering(sa)
            if not lay.lo_us <= sb < lay.hi_us:
                lay = self._covering(sb)
        starts, ends, off, cum_end = lay.starts, lay.ends, lay.off, lay.cum_end
        i = bisect_right(starts, sa) - 1
        j = bisect_right(starts, sb) - 1
        ca = 0 if i < 0 else sa - off[i] if sa < ends[i] else cum_end[i]
        cb = 0 if j < 0 else sb - off[j] if sb < ends[j] else cum_end[j]
        return _ONE_US * (cb - ca)

    def is_open(self, at: datetime) -> bool:
        """Whether ``at`` is working time (opening instants are open, closing ones closed)."""
        if at.tzinfo is None:
            raise NaiveDatetimeError("at", at)
        s = _dt_us(at)
        lay = self._covering(s)
        i = bisect_right(lay.starts, s) - 1
        return i >= 0 and s < lay.ends[i]

    def next_open(self, at: datetime) -> datetime:
        """``at`` itself when open, else the next opening instant."""
        if self.is_open(at):
            return at.astimezone(self.zone)
        s = _dt_us(at)
        lay = self._covering(s)
        i = bisect_right(lay.ends, s)
        while i >= len(lay.starts):
            lay = self._extend(lay, lay.hi_year + 5)
            i = bisect_right(lay.ends, s)
        return _to_datetime(lay.starts[i], self.zone)

    def holiday_name(self, day: date) -> str | None:
        """Name of the exception or public holiday on ``day`` (local date), if any."""
        exc = self.exceptions.get(day)
        if exc is not None:
            return exc.name
        return self._package_holidays(day.year).get(day)

    def segments(self, a: datetime, b: datetime) -> list[DaySegment]:
        """Working time per local date in ``[a, b)``; dates with an exception carry its name."""
        if a.tzinfo is None or b.tzinfo is None:
            raise NaiveDatetimeError("a and b", (a, b))
        out: list[DaySegment] = []
        day = a.astimezone(self.zone).date()
        last = b.astimezone(self.zone).date()
        while day <= last:
            lo = max(a, _local_midnight(day, self.zone))
            hi = min(b, _local_midnight(day + timedelta(days=1), self.zone))
            worked = self.elapsed(lo, hi) if hi > lo else timedelta(0)
            reason = self.holiday_name(day) if self._weekday_seconds(day.weekday()) else None
            out.append(DaySegment(day, worked, reason))
            day += timedelta(days=1)
        return out

    def working_intervals(self, a: datetime, b: datetime) -> list[tuple[datetime, datetime]]:
        """The working intervals within ``[a, b)``, as aware datetimes in this zone."""
        if a.tzinfo is None:
            raise NaiveDatetimeError("a", a)
        if b.tzinfo is None:
            raise NaiveDatetimeError("b", b)
        sa, sb = _dt_us(a), _dt_us(b)
        lay = self._covering(sa)
        lay = self._covering(sb) if sb >= lay.hi_us else lay
        i = max(bisect_right(lay.starts, sa) - 1, 0)
        out = []
        while i < len(lay.starts) and lay.starts[i] < sb:
            lo, hi = max(lay.starts[i], sa), min(lay.ends[i], sb)
            if hi > lo:
                out.append(
                    (
                        _to_datetime(lo, self.zone),
                        _to_datetime(hi, self.zone),
                    )
                )
            i += 1
        return out

    # ------------------------------------------------------------------ batch (numpy)
    def add_many(self, starts: Any, work_seconds: Any) -> Any:
        """Vectorised `add` over epoch seconds: arrays in, float64 epoch seconds out."""
        from .batch import add_many

        return add_many(self, starts, work_seconds)

    def elapsed_many(self, a: Any, b: Any) -> Any:
        """Vectorised `elapsed` over epoch seconds: float64 working seconds out."""
        from .batch import elapsed_many

        return elapsed_many(self, a, b)

    # ------------------------------------------------------------------ internals
    def _weekday_seconds(self, weekday: int) -> int:
        return sum((e if e > s else e + DAY) - s for s, e in self.weekly[weekday])

    def _add_us(self, s: int, w: int) -> int:
        lay = self._covering(s)
        while True:
            target = self._cum_in(lay, s) + w
            j = bisect_left(lay.cum_end, target)
            if j < len(lay.starts):
                return lay.starts[j] + (target - lay.cum[j])
            short = target - (lay.cum_end[-1] if lay.cum_end else 0)
            lay = self._extend(lay, lay.hi_year + self._years_for(short))

    def _years_for(self, work_us: int) -> int:
        per_year = max(sum(self._weekday_seconds(d) for d in range(7)) * 52 * _US, 1)
        return int(work_us // per_year) + 2

    def _cum_at(self, s: int) -> int:
        """Working µs from the layout's start to ``s`` (comparable only within one layout)."""
        return self._cum_in(self._covering(s), s)

    @staticmethod
    def _cum_in(lay: Layout, s: int) -> int:
        i = bisect_right(lay.starts, s) - 1
        if i < 0:
            return 0
        return s - lay.off[i] if s < lay.ends[i] else lay.cum_end[i]

    def _covering(self, s: int) -> Layout:
        lay = self._layout
        if lay is not None and lay.lo_us <= s < lay.hi_us:
            return lay
        # The UTC year of s, give or take one (local dates are within a day of UTC ones).
        year = 1970 + int(s // (365.2425 * DAY * _US))
        if not _MIN_YEAR <= year <= _MAX_YEAR:
            raise SlaError(f"instant outside the supported years {_MIN_YEAR}-{_MAX_YEAR}")
        if lay is None:
            # Lay out a few years around the first query (a build costs ~10 ms a year).
            lo, hi = year - 1, year + _GROW
        else:
            # Grow in steps, so that a workload drifting over the years rebuilds rarely.
            lo, hi = lay.lo_year, lay.hi_year
            if year - 1 < lo:
                lo = min(year - 1, lo - _GROW)
            if year + 1 > hi:
                hi = max(year + 1, hi + _GROW)
        lay = self._build(max(lo, _MIN_YEAR), min(hi, _MAX_YEAR))
        if not lay.lo_us <= s < lay.hi_us:  # cannot happen with the ±1 year margins above
            raise SlaError(f"instant {s / _US} outside the laid-out years {lo}-{hi}")
        self._layout = lay
        return lay

    def _extend(self, lay: Layout, hi_year: int) -> Layout:
        if lay.hi_year >= _MAX_YEAR:
            raise NoWorkingTimeError(f"calendar {self.name!r} runs out of working time")
        self._layout = new = self._build(lay.lo_year, min(hi_year, _MAX_YEAR))
        return new

    def _package_holidays(self, year: int) -> dict[date, str]:
        got = self._holiday_cache.get(year)
        if got is None:
            got = {}
            if self.holiday_country is not None:
                h = holidays_lib.country_holidays(
                    self.holiday_country, subdiv=self.holiday_subdivision, years=year
                )
                got = {d: str(n) for d, n in h.items()}
            self._holiday_cache[year] = got
        return got

    def _build(self, lo_year: int, hi_year: int) -> Layout:
        return build_layout(
            self.zone, self.weekly, self.exceptions, self._package_holidays, lo_year, hi_year
        )


_fromtimestamp = datetime.fromtimestamp
_ONE_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = _EPOCH.toordinal()
# Below 2**33 s (year 2242) a float of epoch seconds resolves microseconds exactly,
# so datetime.fromtimestamp() (the fast way) returns the exact instant.
_FLOAT_EXACT_US = 2**33 * _US


def _dt_us(dt: datetime) -> int:
    """Aware datetime -> integer µs since the epoch, exactly (integer arithmetic)."""
    return (dt - _EPOCH) // _ONE_US


def _to_datetime(t: int, zone: ZoneInfo) -> datetime:
    """Integer µs since the epoch -> aware datetime in ``zone`` (fast path when exact)."""
    return _fromtimestamp(t / _US, zone) if t < _FLOAT_EXACT_US else _from_us(t, zone)


def _from_us(t: int, zone: ZoneInfo) -> datetime:
    """Integer µs since the epoch -> aware datetime in ``zone``, exactly."""
    return (_EPOCH + _ONE_US * t).astimezone(zone)


def _td_us(td: timedelta) -> int:
    return (td.days * DAY + td.seconds) * _US + td.microseconds


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone)
