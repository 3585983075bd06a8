"""Turn local wall-clock working time into exact UTC intervals, across DST changes.

Semantics (the definition every other part of the core, and the test oracle, rely on):
an instant ``t`` is *working time* when its local wall-clock reading in the calendar's
zone falls in a working range. So on a spring-forward day a span 02:30-05:00 opens at the
transition (the first wall reading at or after 02:30 is 03:00), and on a fall-back day
a wall hour that occurs twice is worked twice if it is working time.

Wall time is counted as seconds since 1970-01-01 00:00 *local* ("wall seconds"); UTC
instants as seconds since the Unix epoch. Both are integers; zones with sub-second
offsets do not exist in tzdata.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from .spans import DAY

__all__ = [
    "EPOCH_ORDINAL",
    "first_instant_at",
    "offset_pieces",
    "utc_to_date",
    "wall_seconds",
    "wall_to_utc",
]

EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_SEARCH_STEP = 6 * 3600  # offsets are sampled this often; two changes closer than this are missed


def wall_seconds(d: date) -> int:
    """Wall seconds at local midnight starting date ``d``."""
    return (d.toordinal() - EPOCH_ORDINAL) * DAY


def _offset(zone: ZoneInfo, t: int) -> int:
    off = datetime.fromtimestamp(t, zone).utcoffset()
    assert off is not None
    return int(off.total_seconds())


def offset_pieces(zone: ZoneInfo, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """Split UTC ``[lo, hi)`` into pieces ``(start, end, offset)`` of constant UTC offset.

    Transitions are located to the second by bisection between samples taken every
    six hours (no zone in tzdata changes its offset twice within six hours).
    """
    pieces: list[tuple[int, int, int]] = []
    start, cur = lo, _offset(zone, lo)
    t = lo
    while t < hi:
        nxt = min(t + _SEARCH_STEP, hi)
        off = _offset(zone, nxt) if nxt < hi else cur
        if off != cur:
            a, b = t, nxt  # offset(a) == cur, offset(b) != cur
            while b - a > 1:
                mid = (a + b) // 2
                if _offset(zone, mid) == cur:
                    a = mid
                else:
                    b = mid
            pieces.append((start, b, cur))
            start, cur = b, _offset(zone, b)
        t = nxt
    pieces.append((start, hi, cur))
    return pieces


def wall_to_utc(
    wall: list[tuple[int, int]], pieces: list[tuple[int, int, int]]
) -> list[tuple[int, int]]:
    """UTC intervals of the instants whose wall reading lies in ``wall`` (sorted, disjoint).

    Within a piece of constant offset ``o`` the wall reading is ``t + o``, so the preimage
    of ``[a, b)`` is ``[a - o, b - o)`` clipped to the piece. Touching results are merged.
    """
    out: list[tuple[int, int]] = []
    n = len(wall)
    k = 0
    for p_start, p_end, off in pieces:
        w_lo, w_hi = p_start + off, p_end + off
        # wall ranges are sorted; rewind to the first that can reach this piece's image
        while k > 0 and wall[k - 1][1] > w_lo:
            k -= 1
        while k < n and wall[k][1] <= w_lo:
            k += 1
        j = k
        while j < n and wall[j][0] < w_hi:
            a, b = max(wall[j][0], w_lo) - off, min(wall[j][1], w_hi) - off
            if b > a:
                if out and a <= out[-1][1]:
                    out[-1] = (out[-1][0], max(b, out[-1][1]))
                else:
                    out.append((a, b))
            j += 1
    return out


def first_instant_at(wall: int, pieces: list[tuple[int, int, int]]) -> int:
    """The first UTC instant whose wall reading is at or after ``wall`` (a gap maps to its end)."""
    for p_start, p_end, off in pieces:
        if wall < p_end + off:
            return max(wall - off, p_start)
    raise ValueError("wall time beyond the pieces given")


def utc_to_date(zone: ZoneInfo, t: int) -> date:
    """Local date of the UTC instant ``t``."""
    return datetime.fromtimestamp(t, zone).date()
