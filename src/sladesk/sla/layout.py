"""The precomputed layout behind `Calendar`: working time as sorted UTC intervals.

Built once per range of years (and rebuilt larger on demand) so that `Calendar.add` and
`Calendar.elapsed` are two bisections. Semantics of what counts as working time are in
`sladesk.sla.timeline` and `sladesk.sla.calendar`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .spans import DAY, FULL_DAY, Span, clip, merge, subtract, union
from .timeline import first_instant_at, offset_pieces, wall_seconds, wall_to_utc

__all__ = ["DayException", "Layout", "build_layout"]

_US = 1_000_000


@dataclass(frozen=True)
class DayException:
    """A date whose hours differ from the weekly pattern.

    ``closed`` spans are removed from that date's wall time (default: the whole date, a
    public holiday); ``opened`` spans are added afterwards. "24 Dec closes at 13:00" is
    ``DayException("Christmas Eve", closed=((46800, 86400),))``.
    """

    name: str
    closed: tuple[Span, ...] = FULL_DAY
    opened: tuple[Span, ...] = ()


@dataclass(frozen=True, slots=True)
class Layout:
    """Working time of years ``lo_year..hi_year`` as sorted disjoint UTC intervals (µs).

    ``cum[i]`` is the working time before interval ``i``, ``cum_end[i]`` that up to its
    end, and ``off[i] = starts[i] - cum[i]``: an instant ``t`` inside interval ``i`` has
    ``t - off[i]`` of working time before it, and working-time position ``c`` inside it
    is the instant ``off[i] + c``.
    """

    lo_year: int
    hi_year: int
    lo_us: int  # first covered instant
    hi_us: int  # first instant past the coverage
    starts: list[int]
    ends: list[int]
    cum: list[int]  # working µs before interval i (since lo_us)
    cum_end: list[int]
    off: list[int]
    arrays: Any = None  # numpy copies, made by `sladesk.sla.batch` on first use


def build_layout(
    zone: ZoneInfo,
    weekly_spans: Mapping[int, Sequence[Span]],
    exceptions: Mapping[date, DayException],
    package_holidays: Callable[[int], Mapping[date, str]],
    lo_year: int,
    hi_year: int,
) -> Layout:
    """Lay out the working time of local years ``lo_year..hi_year`` (see `Layout`).

    Wall ranges = weekly spans, minus each exception's (or package holiday's) closed
    spans, plus its opened spans; then mapped to UTC through the zone's offset pieces.
    """
    d0, d1 = date(lo_year, 1, 1), date(hi_year + 1, 1, 1)
    w0, w1 = wall_seconds(d0), wall_seconds(d1)
    weekly: list[tuple[int, int]] = []
    closed: list[tuple[int, int]] = []
    opened: list[tuple[int, int]] = []
    day, one = d0 - timedelta(days=1), timedelta(days=1)
    while day < d1:
        base = wall_seconds(day)
        for s, e in weekly_spans[day.weekday()]:
            weekly.append((base + s, base + (e if e > s else e + DAY)))
        exc = exceptions.get(day)
        if exc is None and day.year >= lo_year:
            name = package_holidays(day.year).get(day)
            exc = DayException(name) if name is not None else None
        if exc is not None:
            closed.extend((base + s, base + (e if e > s else e + DAY)) for s, e in exc.closed)
            opened.extend((base + s, base + (e if e > s else e + DAY)) for s, e in exc.opened)
        day += one
    wall = clip(union(subtract(merge(weekly), merge(closed)), merge(opened)), w0, w1)
    pieces = offset_pieces(zone, w0 - 2 * DAY, w1 + 2 * DAY)
    utc = wall_to_utc(wall, pieces)
    lo_s, hi_s = first_instant_at(w0, pieces), first_instant_at(w1, pieces)
    starts = [a * _US for a, _ in utc]
    ends = [b * _US for _, b in utc]
    cum: list[int] = []
    cum_end: list[int] = []
    total = 0
    for a, b in zip(starts, ends, strict=True):
        cum.append(total)
        total += b - a
        cum_end.append(total)
    off = [a - c for a, c in zip(starts, cum, strict=True)]
    return Layout(lo_year, hi_year, lo_s * _US, hi_s * _US, starts, ends, cum, cum_end, off)
