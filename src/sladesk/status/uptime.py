"""Uptime arithmetic: from status intervals to the percentage promised (issue 18, item 4).

Framework-free (no Django), fully typed, property-tested against a brute-force minute
count (``tests/status/test_uptime_properties.py``).

**Intervals.** A component's history is a set of `StatusSpan` values, each the half-open
interval ``[start, end)`` of aware datetimes during which one *source* (a hand-set status,
an incident, a check, a maintenance window) held the component at one status. Spans may
overlap (two incidents at once, a maintenance window inside an outage). Time covered by
no span is ``operational``.

**Which status counts when spans overlap** (`effective`):

1. ``under_maintenance`` wins over everything: announced maintenance is left out of the
   promise (seed 003's "99.5% uptime" is read, as SLAs commonly are, as excluding
   scheduled maintenance), so an outage *inside* a maintenance window costs nothing.
2. Otherwise the worst status wins: ``major_outage`` > ``partial_outage`` >
   ``degraded_performance`` > ``operational``.

**The figure** (`uptime`) over a half-open window ``[start, end)``::

    counted   = window length − time under maintenance          (seconds)
    downtime  = major·w_major + partial·w_partial + degraded·w_degraded
    percent   = 100 · (1 − downtime / counted)                  (None when counted = 0)

with the weights of `Weights`: a major outage counts fully (1.0); a partial outage by
``partial`` (default 0.3, Atlassian Statuspage's published weighting of partial outages in
its uptime bars); degraded performance by ``degraded`` (default 0.0: slow is not down).
A policy may change both (``uptime: {partial_weight: 0.5}``; see docs/status.md).

**Periods.** `daily` cuts ``[start, end)`` at local midnights of a time zone (a DST day
is 23 or 25 hours long and is counted as such); `monthly` uses the local calendar month.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Final, Literal
from zoneinfo import ZoneInfo

from sladesk.sla.policy.model import CreditBand, UptimeTerms

__all__ = [
    "MAINTENANCE",
    "OPERATIONAL",
    "SEVERITY",
    "STATUSES",
    "CreditBand",
    "Segment",
    "Status",
    "StatusSpan",
    "Uptime",
    "Weights",
    "daily",
    "effective",
    "local_day_bounds",
    "local_month_bounds",
    "monthly",
    "service_credit",
    "uptime",
    "worst",
]

Status = Literal[
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"
]
OPERATIONAL: Final[Status] = "operational"
MAINTENANCE: Final[Status] = "under_maintenance"
#: Statuspage's component statuses, in the order Statuspage lists them.
STATUSES: Final[tuple[Status, ...]] = (
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
)
#: How bad a status is when two sources disagree (maintenance ranks above all: rule 1).
SEVERITY: Final[dict[Status, int]] = {
    "operational": 0,
    "degraded_performance": 1,
    "partial_outage": 2,
    "major_outage": 3,
    "under_maintenance": 4,
}


def worst(statuses: Iterable[Status]) -> Status:
    """The status that counts among ``statuses`` (maintenance first, then the worst);
    ``operational`` for none."""
    return max(statuses, key=SEVERITY.__getitem__, default=OPERATIONAL)


@dataclass(frozen=True, slots=True)
class StatusSpan:
    """One source held a component at ``status`` during ``[start, end)`` (aware datetimes;
    ``end`` None: still so)."""

    start: datetime
    end: datetime | None
    status: Status

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or (self.end is not None and self.end.tzinfo is None):
            raise ValueError("status spans need aware datetimes")
        if self.status not in SEVERITY:
            raise ValueError(f"unknown status {self.status!r}; known: {', '.join(STATUSES)}")


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of the effective timeline: exactly ``status`` during ``[start, end)``."""

    start: datetime
    end: datetime
    status: Status

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class Weights:
    """How much of a second in each status counts as down time (0 to 1)."""

    major: float = 1.0
    partial: float = 0.3
    degraded: float = 0.0

    def __post_init__(self) -> None:
        for name in ("major", "partial", "degraded"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"the {name} weight must lie in [0, 1], got {value}")

    @classmethod
    def of_policy(cls, terms: UptimeTerms | None) -> Weights:
        """The weights a policy's ``uptime:`` block sets (the defaults without one)."""
        if terms is None:
            return cls()
        return cls(partial=terms.partial_weight, degraded=terms.degraded_weight)

    def of(self, status: Status) -> float:
        """The weight of one second in ``status`` (maintenance and operational: 0)."""
        if status == "major_outage":
            return self.major
        if status == "partial_outage":
            return self.partial
        if status == "degraded_performance":
            return self.degraded
        return 0.0


@dataclass(frozen=True, slots=True)
class Uptime:
    """The uptime of one component over ``[start, end)``; seconds by effective status."""

    start: datetime
    end: datetime
    seconds: dict[Status, float] = field(default_factory=dict)
    downtime: float = 0.0  # weighted seconds

    @property
    def counted(self) -> float:
        """The denominator: the window less the time under maintenance (seconds)."""
        return (self.end - self.start).total_seconds() - self.seconds.get(MAINTENANCE, 0.0)

    @property
    def percent(self) -> float | None:
        """100 · (1 − downtime / counted); None when nothing is counted (all maintenance
        or an empty window)."""
        if self.counted <= 0:
            return None
        return 100.0 * (1.0 - self.downtime / self.counted)

    @property
    def worst(self) -> Status:
        """The worst status seen in the window (maintenance only if nothing else was)."""
        seen = [s for s, secs in self.seconds.items() if secs > 0 and s != MAINTENANCE]
        bad = worst(seen)
        if bad == OPERATIONAL and self.seconds.get(MAINTENANCE, 0.0) > 0:
            return MAINTENANCE
        return bad


def effective(spans: Iterable[StatusSpan], start: datetime, end: datetime) -> list[Segment]:
    """The effective timeline of ``[start, end)``: consecutive segments, no gaps, no
    overlaps, adjacent segments of equal status merged (rules 1 and 2 of the module doc).

    Sweep over the span edges with a count of open spans per status: O(n log n).
    """
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the window needs aware datetimes")
    if end <= start:
        return []
    edges: list[tuple[datetime, int, Status]] = []
    for span in spans:
        s = max(span.start, start)
        e = end if span.end is None else min(span.end, end)
        if s < e:
            edges.append((s, 1, span.status))
            edges.append((e, -1, span.status))
    heapq.heapify(edges)
    open_count: dict[Status, int] = dict.fromkeys(STATUSES, 0)
    segments: list[Segment] = []
    cursor = start
    current: Status = OPERATIONAL
    while edges:
        at = edges[0][0]
        while edges and edges[0][0] == at:
            _, delta, status = heapq.heappop(edges)
            open_count[status] += delta
        if at > cursor:
            _append(segments, Segment(cursor, at, current))
            cursor = at
        current = worst(s for s, n in open_count.items() if n > 0)
    if cursor < end:
        _append(segments, Segment(cursor, end, current))
    return segments


def _append(segments: list[Segment], piece: Segment) -> None:
    if segments and segments[-1].status == piece.status and segments[-1].end == piece.start:
        segments[-1] = Segment(segments[-1].start, piece.end, piece.status)
    else:
        segments.append(piece)


def _measure(
    segments: Sequence[Segment], start: datetime, end: datetime, weights: Weights
) -> Uptime:
    seconds: dict[Status, float] = {}
    downtime = 0.0
    for seg in segments:
        s, e = max(seg.start, start), min(seg.end, end)
        if s >= e:
            continue
        secs = (e - s).total_seconds()
        seconds[seg.status] = seconds.get(seg.status, 0.0) + secs
        downtime += secs * weights.of(seg.status)
    return Uptime(start, end, seconds, downtime)


def uptime(
    spans: Iterable[StatusSpan], start: datetime, end: datetime, weights: Weights | None = None
) -> Uptime:
    """The uptime of ``[start, end)`` from a component's ``spans``."""
    weights = weights or Weights()
    return _measure(effective(spans, start, end), start, end, weights)


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """``[local midnight of day, local midnight of the next day)`` in ``tz``, aware (UTC)."""
    nxt = day + timedelta(days=1)
    return _local_midnight(day, tz), _local_midnight(nxt, tz)


def local_month_bounds(year: int, month: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """``[local midnight of the 1st, local midnight of the next month's 1st)`` in ``tz``."""
    first = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return _local_midnight(first, tz), _local_midnight(nxt, tz)


def _local_midnight(day: date, tz: ZoneInfo) -> datetime:
    # Midnight may not exist (a DST jump at 00:00, e.g. America/Havana): zoneinfo then
    # resolves it forward by the gap, the first instant of that local day.
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(ZoneInfo("UTC"))


def daily(
    spans: Iterable[StatusSpan],
    last_day: date,
    tz: ZoneInfo,
    *,
    days: int = 90,
    weights: Weights | None = None,
    until: datetime | None = None,
) -> list[tuple[date, Uptime]]:
    """Uptime of each local day of ``tz`` from ``last_day - days + 1`` to ``last_day``,
    oldest first. ``until`` (e.g. now) cuts the last day short: the future is not counted.
    """
    weights = weights or Weights()
    first_day = last_day - timedelta(days=days - 1)
    window_start = _local_midnight(first_day, tz)
    window_end = _local_midnight(last_day + timedelta(days=1), tz)
    if until is not None:
        window_end = max(window_start, min(window_end, until))
    segments = effective(spans, window_start, window_end)
    out: list[tuple[date, Uptime]] = []
    for n in range(days):
        day = first_day + timedelta(days=n)
        s, e = local_day_bounds(day, tz)
        e = min(e, window_end)
        s = min(s, e)
        out.append((day, _measure(segments, s, e, weights)))
    return out


def monthly(
    spans: Iterable[StatusSpan],
    year: int,
    month: int,
    tz: ZoneInfo,
    *,
    weights: Weights | None = None,
    until: datetime | None = None,
) -> Uptime:
    """Uptime of one calendar month in ``tz`` (``until`` cuts a running month short)."""
    s, e = local_month_bounds(year, month, tz)
    if until is not None:
        e = max(s, min(e, until))
    return uptime(spans, s, e, weights)


def service_credit(percent: float | None, bands: Sequence[CreditBand]) -> float:
    """The credit a period's uptime earns: the largest ``credit_pct`` among the bands whose
    ``below`` the figure is under (0 when none is, or when nothing was counted)."""
    if percent is None:
        return 0.0
    return max((b.credit_pct for b in bands if percent < b.below), default=0.0)
