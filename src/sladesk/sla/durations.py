"""Durations as people write them in support contracts: ``30m``, ``4 business hours``, ``1 week``.

A `Duration` is an amount, a unit (minutes, hours, days, weeks) and whether it counts
*business* time (working time on a business calendar) or *calendar* time (every instant).

Semantics (the whole policy layer relies on them):

* Calendar time is absolute elapsed time: ``2 days`` is exactly 48 hours and ``1 week``
  168 hours, whatever DST does to the wall clock in between.
* Business minutes and hours are that much working time on the business calendar.
* ``N business days`` is ``N`` times the calendar's ``business_day`` (its longest
  weekday: 8 h for 09:00-17:00, 12 h for 08:00-20:00, 24 h for 24x7).
  ``N business weeks`` is ``5 N`` business days.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from .errors import SlaError

__all__ = ["Duration", "Unit", "format_timedelta", "parse_duration"]

Unit = Literal["minutes", "hours", "days", "weeks"]

_UNITS: dict[str, Unit] = {}
for _unit, _words in {
    "minutes": ("m", "min", "mins", "minute", "minutes"),
    "hours": ("h", "hr", "hrs", "hour", "hours"),
    "days": ("d", "day", "days"),
    "weeks": ("w", "wk", "wks", "week", "weeks"),
}.items():
    for _w in _words:
        _UNITS[_w] = _unit  # type: ignore[assignment]

_PATTERN = re.compile(
    r"^\s*(?P<amount>\d+(?:\.\d+)?)\s*(?P<kind>business|working|calendar)?\s*(?P<unit>[a-z]+)\s*$"
)
_SECONDS: dict[Unit, int] = {"minutes": 60, "hours": 3600, "days": 86_400, "weeks": 604_800}


class DurationError(SlaError):
    """A duration text that cannot be read; the message quotes the text."""


@dataclass(frozen=True)
class Duration:
    """An amount of business or calendar time, e.g. ``Duration(4, "hours", business=True)``."""

    amount: float
    unit: Unit
    business: bool

    def work(self, business_day: timedelta) -> timedelta:
        """The working time this amounts to on a calendar whose business day is ``business_day``.

        Calendar-time durations ignore ``business_day`` (they are absolute).
        """
        if self.business and self.unit == "days":
            return business_day * self.amount
        if self.business and self.unit == "weeks":
            return business_day * (5 * self.amount)
        return timedelta(seconds=self.amount * _SECONDS[self.unit])

    @property
    def text(self) -> str:
        """Normalised wording: ``4 business hours``, ``30 minutes``, ``1 day``."""
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        unit = self.unit if amount != 1 else self.unit[:-1]
        return f"{amount} {'business ' if self.business else ''}{unit}"

    def __str__(self) -> str:
        return self.text


def parse_duration(text: str) -> Duration:
    """Read ``30m``, ``30 min``, ``4 business hours``, ``2 business days``, ``36h``, ``1 week``.

    ``business`` (or ``working``) before the unit makes it business time; ``calendar`` or
    nothing makes it calendar time. Raises `DurationError` naming the text otherwise.
    """
    if not isinstance(text, str):
        raise DurationError(f"not a duration: {text!r} (write e.g. '4 business hours' or '30m')")
    m = _PATTERN.match(text.lower())
    unit = _UNITS.get(m.group("unit")) if m else None
    if m is None or unit is None:
        raise DurationError(
            f"not a duration: {text!r} (write e.g. '30m', '4 business hours', '2 days', '1 week')"
        )
    amount = float(m.group("amount"))
    if amount <= 0:
        raise DurationError(f"a duration must be positive: {text!r}")
    value: float = int(amount) if amount.is_integer() else amount
    return Duration(value, unit, business=m.group("kind") in ("business", "working"))


def format_timedelta(td: timedelta, use_days: bool = False) -> str:
    """``3 h 30 min``, ``30 min``, ``40 h``, ``0 min``; with ``use_days`` ``1 d 16 h``."""
    total = int(td.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    d, rest = divmod(total, 86_400) if use_days else (0, total)
    h, rest = divmod(rest, 3600)
    mi, s = divmod(rest, 60)
    parts = [f"{d} d"] if d else []
    parts += [f"{h} h"] if h else []
    parts += [f"{mi} min"] if mi else []
    parts += [f"{s} s"] if s else []
    return sign + (" ".join(parts) or "0 min")
