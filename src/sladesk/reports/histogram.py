"""Log-bucket histograms of durations: mergeable, compact, percentiles within ±1 %.

Pure Python, no Django. A duration of ``s`` seconds falls in bucket ``0`` when ``s < 1``,
else ``1 + floor(log(s) / log(RATIO))`` with ``RATIO = 1.02``: bucket ``b >= 1`` covers
``[RATIO**(b-1), RATIO**b)`` seconds. A percentile is reported as the geometric middle of
its bucket, so it is within ``sqrt(1.02) - 1 ≈ 0.995 %`` of the exact nearest-rank value
(and exact below one second: 0). Histograms are ``{bucket: count}`` dicts with string keys
(they are stored as JSON).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

__all__ = ["RATIO", "add", "bucket_of", "merge", "percentile", "percentiles", "value_of"]

RATIO = 1.02
_LOG = math.log(RATIO)


def bucket_of(seconds: float) -> int:
    """The bucket holding ``seconds`` (negative durations count as 0)."""
    if seconds < 1:
        return 0
    return 1 + math.floor(math.log(seconds) / _LOG + 1e-12)


def value_of(bucket: int) -> float:
    """The value a bucket stands for: 0 for bucket 0, else its geometric middle."""
    if bucket <= 0:
        return 0.0
    return float(RATIO ** (bucket - 0.5))


def add(hist: dict[str, int], seconds: float, count: int = 1) -> None:
    """Add ``count`` (may be negative) durations of ``seconds`` to ``hist`` in place;
    a bucket that drops to zero is removed."""
    key = str(bucket_of(seconds))
    n = hist.get(key, 0) + count
    if n:
        hist[key] = n
    else:
        hist.pop(key, None)


def merge(hists: Iterable[Mapping[str, int]]) -> dict[int, int]:
    """The sum of several histograms, keyed by int bucket."""
    out: dict[int, int] = {}
    for h in hists:
        for k, n in h.items():
            b = int(k)
            out[b] = out.get(b, 0) + n
    return out


def percentile(hist: Mapping[int, int], q: float) -> float | None:
    """The nearest-rank ``q``-quantile (``0 < q <= 1``) of a merged histogram, or None
    when empty: the smallest value with at least ``ceil(q * n)`` values at or below it."""
    n = sum(c for c in hist.values() if c > 0)
    if n <= 0:
        return None
    rank = max(1, math.ceil(q * n - 1e-9))
    seen = 0
    for b in sorted(hist):
        seen += max(hist[b], 0)
        if seen >= rank:
            return value_of(b)
    return value_of(max(hist))


def percentiles(
    hist: Mapping[int, int] | Mapping[str, int], qs: tuple[float, ...]
) -> list[float | None]:
    """`percentile` for each of ``qs`` (ascending) in one pass over the sorted buckets;
    ``hist`` may have int or str (stored) keys."""
    items = sorted((int(k), n) for k, n in hist.items() if n > 0)
    total = sum(n for _, n in items)
    if total <= 0:
        return [None] * len(qs)
    ranks = [max(1, math.ceil(q * total - 1e-9)) for q in qs]
    out: list[float | None] = []
    seen, i = 0, 0
    for b, n in items:
        seen += n
        while i < len(ranks) and seen >= ranks[i]:
            out.append(value_of(b))
            i += 1
        if i == len(ranks):
            break
    while len(out) < len(qs):
        out.append(value_of(items[-1][0]))
    return out
