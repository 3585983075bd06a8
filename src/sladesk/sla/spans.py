"""Working-hour spans within a day, and set operations on sorted half-open intervals.

A *span* is a pair of seconds after local midnight ``(start, end)``, half-open
``[start, end)``. ``end`` may be ``86400`` ("24:00"). A span whose end is not after its
start is *overnight*: it runs from ``start`` on its day to ``end`` on the next day
(``22:00-06:00``). ``00:00-24:00`` is the whole day.

Interval lists used by the calendar are sorted, disjoint, half-open ``[a, b)`` pairs of
integers; the helpers below keep them so.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence

__all__ = [
    "DAY",
    "FULL_DAY",
    "Span",
    "clip",
    "format_clock",
    "merge",
    "parse_clock",
    "parse_spans",
    "subtract",
    "union",
]

DAY = 86_400
Span = tuple[int, int]
FULL_DAY: tuple[Span, ...] = ((0, DAY),)

_CLOCK = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*$")


def parse_clock(text: str) -> int:
    """``"09:00"`` -> 32400 seconds after midnight; ``"24:00"`` is allowed (86400)."""
    m = _CLOCK.match(text)
    if not m:
        raise ValueError(f"not a time of day: {text!r} (write it as HH:MM, e.g. 09:00)")
    h, mi, s = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    if mi > 59 or s > 59 or h > 24 or (h == 24 and (mi or s)):
        raise ValueError(f"not a time of day: {text!r}")
    return h * 3600 + mi * 60 + s


def format_clock(seconds: int) -> str:
    """Seconds after midnight -> ``HH:MM`` (``HH:MM:SS`` when seconds are not zero)."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def parse_spans(text: str) -> tuple[Span, ...]:
    """Parse ``"09:00-12:00, 13:00-17:00"`` (or ``"22:00-06:00"``, ``"24h"``, ``"closed"``).

    Returns spans in the order written. An empty string or ``closed`` is no spans.
    ``24h`` / ``00:00-24:00`` is the whole day. A span with equal ends is rejected
    (write ``00:00-24:00`` for a whole day).
    """
    t = text.strip().lower()
    if t in ("", "closed", "none", "-"):
        return ()
    if t in ("24h", "24 h", "all day", "00:00-24:00"):
        return FULL_DAY
    spans: list[Span] = []
    for part in re.split(r"[,;]", t):
        piece = part.strip()
        if not piece:
            continue
        bits = re.split(r"\s*(?:-|–|to)\s*", piece)
        if len(bits) != 2:
            raise ValueError(f"not a span of hours: {piece!r} (write it as 09:00-17:00)")
        start, end = parse_clock(bits[0]), parse_clock(bits[1])
        if start == DAY:
            raise ValueError(f"a span cannot start at 24:00: {piece!r}")
        if start == end:
            raise ValueError(f"empty span {piece!r}; for a whole day write 00:00-24:00")
        spans.append((start, end))
    return tuple(spans)


def merge(intervals: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sort and merge overlapping or touching half-open intervals; drops empty ones."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(intervals):
        if b <= a:
            continue
        if out and a <= out[-1][1]:
            if b > out[-1][1]:
                out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def union(x: Sequence[tuple[int, int]], y: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Union of two interval lists."""
    return merge([*x, *y])


def subtract(x: Sequence[tuple[int, int]], y: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """``x`` minus ``y``; both sorted and disjoint."""
    if not y:
        return list(x)
    out: list[tuple[int, int]] = []
    starts = [a for a, _ in y]
    for a, b in x:
        # Cuts that can overlap [a, b): those starting before b, from the one covering a.
        k = max(bisect_right(starts, a) - 1, 0)
        cur = a
        while k < len(y) and y[k][0] < b:
            ca, cb = y[k]
            if cb > cur:
                if ca > cur:
                    out.append((cur, ca))
                cur = max(cur, cb)
            k += 1
        if cur < b:
            out.append((cur, b))
    return out


def clip(x: Sequence[tuple[int, int]], lo: int, hi: int) -> list[tuple[int, int]]:
    """The parts of ``x`` inside ``[lo, hi)``."""
    return [(max(a, lo), min(b, hi)) for a, b in x if b > lo and a < hi]
