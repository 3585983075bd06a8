"""Vectorised calendar arithmetic over numpy arrays of epoch seconds (reports, replays).

Same semantics as `Calendar.add` / `Calendar.elapsed`; inputs are epoch seconds (int or
float arrays, or scalars broadcast against them), outputs float64 epoch seconds / seconds.
Internally everything is integer microseconds, so results are exact to the microsecond.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .calendar import Calendar
    from .layout import Layout

__all__ = ["add_many", "elapsed_many"]

_US = 1_000_000


def _us(x: Any) -> Any:
    arr = np.asarray(x)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64) * _US
    return np.rint(arr.astype(np.float64) * _US).astype(np.int64)


def _arrays(lay: Layout) -> tuple[Any, Any, Any, Any]:
    cached = lay.arrays
    if cached is None:
        cached = tuple(
            np.asarray(v, dtype=np.int64) for v in (lay.starts, lay.ends, lay.cum, lay.cum_end)
        )
        object.__setattr__(lay, "arrays", cached)
    return cached  # type: ignore[no-any-return]


def _layout_for(cal: Calendar, lo: int, hi: int) -> Layout:
    lay = cal._covering(lo)
    if hi >= lay.hi_us:
        lay = cal._covering(hi)
    if lo < lay.lo_us:
        lay = cal._covering(lo)
    return lay


def _cum(lay: Layout, s: Any) -> Any:
    starts, ends, cum, _ = _arrays(lay)
    i = np.searchsorted(starts, s, side="right") - 1
    ic = np.clip(i, 0, None)
    val = cum[ic] + np.minimum(s - starts[ic], ends[ic] - starts[ic])
    return np.where(i < 0, 0, val)


def add_many(cal: Calendar, starts_s: Any, work_s: Any) -> Any:
    """Epoch seconds at which ``work_s`` working seconds have elapsed since ``starts_s``."""
    s = _us(starts_s)
    w = np.broadcast_to(_us(work_s), s.shape)
    if s.size == 0:
        return np.empty(s.shape, dtype=np.float64)
    if (w < 0).any():
        raise ValueError("work must not be negative")
    lay = _layout_for(cal, int(s.min()), int(s.max()))
    while True:
        target = _cum(lay, s) + w
        st, _, cum, cum_end = _arrays(lay)
        j = np.searchsorted(cum_end, target, side="left")
        if (j < len(st)).all():
            out = st[j] + (target - cum[j])
            out = np.where(w == 0, s, out)
            return out.astype(np.float64) / _US
        short = int((target - cum_end[-1]).max())
        lay = cal._extend(lay, lay.hi_year + cal._years_for(short))


def elapsed_many(cal: Calendar, a_s: Any, b_s: Any) -> Any:
    """Working seconds in ``[a, b)`` for each pair (negative where ``b < a``)."""
    a, b = np.broadcast_arrays(_us(a_s), _us(b_s))
    if a.size == 0:
        return np.empty(a.shape, dtype=np.float64)
    lo, hi = int(min(a.min(), b.min())), int(max(a.max(), b.max()))
    lay = _layout_for(cal, lo, hi)
    return (_cum(lay, b) - _cum(lay, a)).astype(np.float64) / _US
