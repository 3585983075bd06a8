"""Who is on call: rotations, restrictions, layers, overrides and swaps (framework-free).

Everything here is pure Python (no Django) and works on *aware* instants; a schedule lives
in one IANA time zone, and every wall-clock quantity (hand-offs, restriction windows) is
read in that zone.

Semantics (the contract `oncall_at` and `shifts` implement, and the brute-force oracle in
``tests/oncall/oracle.py`` checks minute by minute):

* **Wall-clock instants.** A local wall-clock time ``w`` (naive) happens at
  ``instant(w) = min{x : local(x) >= w}``: a time that exists once is that instant; a time
  that occurs twice (autumn fall-back) is its *first* occurrence; a time inside a spring
  gap is the end of the gap (the moment the clocks jump).
* **Rotation.** Hand-off *k* (k = 0, 1, ...) is at ``instant(handoff + k * length)``, the
  length added on the wall clock: a weekly 09:00 hand-off stays at 09:00 across DST (that
  shift lasts 167 or 169 hours); ``12h`` shifts keep 09:00/21:00. At instant *t*, with
  *k* hand-offs at or before *t*, participant ``(k - 1) mod n`` is on call; before the
  first hand-off (k = 0) nobody is. Intervals are half-open: the outgoing person's shift
  ends at the hand-off instant, the incoming one's starts there.
* **Restriction.** A window ``[start, end)`` of local time of day starting on the listed
  weekdays (Monday = 0). ``end <= start`` runs past midnight into the next day (``00:00 -
  00:00`` is the whole day). A local time is inside when it is at or after ``start`` on a
  listed day, or (overnight windows) before ``end`` on the day after a listed day. A
  rotation with restrictions has its person on call only inside one of them; membership is
  decided on the wall clock, so during the repeated autumn hour a window can be entered
  twice.
* **Layers.** At each instant the highest layer that has someone on call wins; rotations
  in one layer add up (their people in rotation order).
* **Swaps** replace one person by another for a window ``[start, end)`` wherever the
  layers put the first one on call. **Overrides** put a person on call for ``[start, end)``
  whatever the layers say; overlapping overrides add up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "ALL_WEEKDAYS",
    "Override",
    "Restriction",
    "Rotation",
    "Schedule",
    "ScheduleError",
    "Shift",
    "Swap",
    "instant",
    "parse_length",
    "user_shifts",
]

ALL_WEEKDAYS: frozenset[int] = frozenset(range(7))
_LENGTH = re.compile(r"^\s*(\d{1,4})\s*([hdw])\s*$")
_UNITS = {"h": timedelta(hours=1), "d": timedelta(days=1), "w": timedelta(weeks=1)}


class ScheduleError(ValueError):
    """A schedule that cannot be evaluated (bad length, naive instant, empty rotation...)."""


def parse_length(text: str) -> timedelta:
    """``"1d"``, ``"1w"``, ``"12h"``: a rotation length (whole hours, 1 hour to 52 weeks)."""
    match = _LENGTH.match(text or "")
    if match is None:
        raise ScheduleError(f"length {text!r}: write a number and h, d or w (e.g. 12h, 1d, 1w)")
    length = int(match.group(1)) * _UNITS[match.group(2)]
    if not timedelta(hours=1) <= length <= timedelta(weeks=52):
        raise ScheduleError(f"length {text!r}: must be between 1h and 52w")
    return length


def _local(x: datetime, tz: ZoneInfo) -> datetime:
    """The naive wall-clock reading of instant ``x`` in ``tz``."""
    return x.astimezone(tz).replace(tzinfo=None)


def instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first instant (UTC) at which the wall clock of ``tz`` reads ``wall`` or later.

    A time that occurs twice gives its first occurrence; a time in a spring gap gives the
    end of the gap.
    """
    if wall.tzinfo is not None:
        raise ScheduleError("instant() takes a naive wall-clock time")
    first = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    second = wall.replace(tzinfo=tz, fold=1).astimezone(UTC)
    if _local(first, tz) == wall and _local(second, tz) == wall:
        return min(first, second)
    if _local(first, tz) == wall:
        return first
    if _local(second, tz) == wall:
        return second
    # In a gap: the transition lies between the two readings; bisect to the second.
    low, high = min(first, second), max(first, second)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if _local(middle, tz) >= wall:
            high = middle
        else:
            low = middle
    return high


def _aware(x: datetime, what: str) -> datetime:
    if x.tzinfo is None or x.utcoffset() is None:
        raise ScheduleError(f"{what} must be an aware datetime")
    return x.astimezone(UTC)


@dataclass(frozen=True)
class Restriction:
    """A window of local time of day ``[start, end)`` starting on ``weekdays`` (Mon = 0)."""

    weekdays: frozenset[int] = ALL_WEEKDAYS
    start: time = time(0)
    end: time = time(0)

    def contains(self, local: datetime) -> bool:
        """Whether the naive local wall time ``local`` is inside this window."""
        moment = local.time()
        if self.start < self.end:
            return local.weekday() in self.weekdays and self.start <= moment < self.end
        if local.weekday() in self.weekdays and moment >= self.start:
            return True
        return (local.weekday() - 1) % 7 in self.weekdays and moment < self.end

    def boundaries(self, day: date) -> list[datetime]:
        """The wall-clock times on ``day`` at which membership may change."""
        return [datetime.combine(day, self.start), datetime.combine(day, self.end)]


@dataclass(frozen=True)
class Rotation:
    """Ordered ``participants`` taking turns of ``length`` from the first ``handoff``
    (naive local wall-clock time), on ``layer``, only inside ``restrictions`` if any."""

    participants: tuple[str, ...]
    length: timedelta
    handoff: datetime
    layer: int = 0
    restrictions: tuple[Restriction, ...] = ()
    name: str = ""

    def __post_init__(self) -> None:
        if self.handoff.tzinfo is not None:
            raise ScheduleError("a rotation's handoff is a local wall-clock time (naive)")
        if not timedelta(hours=1) <= self.length:
            raise ScheduleError("a rotation's length is at least one hour")

    def handoff_at(self, k: int, tz: ZoneInfo) -> datetime:
        """The instant of hand-off number ``k`` (0 is the first)."""
        return instant(self.handoff + k * self.length, tz)

    def handoffs_until(self, t: datetime, tz: ZoneInfo) -> int:
        """How many hand-offs are at or before instant ``t``."""
        elapsed = _local(t, tz) - self.handoff
        k = max(0, elapsed // self.length + 1) if elapsed >= timedelta(0) else 0
        while self.handoff_at(k, tz) <= t:
            k += 1
        while k > 0 and self.handoff_at(k - 1, tz) > t:
            k -= 1
        return int(k)

    def restricted_out(self, t: datetime, tz: ZoneInfo) -> bool:
        local = _local(t, tz)
        return bool(self.restrictions) and not any(r.contains(local) for r in self.restrictions)

    def on_call(self, t: datetime, tz: ZoneInfo) -> str | None:
        """Who this rotation has on call at instant ``t`` (None: nobody)."""
        if not self.participants:
            return None
        k = self.handoffs_until(t, tz)
        if k == 0 or self.restricted_out(t, tz):
            return None
        return self.participants[(k - 1) % len(self.participants)]


@dataclass(frozen=True)
class Override:
    """``user`` is on call for ``[start, end)`` (aware instants), whatever the layers say."""

    user: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Swap:
    """``to_user`` takes ``from_user``'s on-call time within ``[start, end)``."""

    from_user: str
    to_user: str
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Shift:
    """``users`` are on call for ``[start, end)`` (aware UTC instants); empty: nobody."""

    start: datetime
    end: datetime
    users: tuple[str, ...]


def _unique(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Schedule:
    """A team's on-call schedule in ``timezone``: rotations on layers, swaps, overrides."""

    timezone: str
    rotations: tuple[Rotation, ...] = ()
    overrides: tuple[Override, ...] = ()
    swaps: tuple[Swap, ...] = ()
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "_tz", ZoneInfo(self.timezone))
        except (KeyError, ValueError) as error:
            raise ScheduleError(f"unknown time zone {self.timezone!r}") from error

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    def layered(self, t: datetime) -> tuple[str, ...]:
        """Who the layers put on call at ``t`` (before swaps and overrides)."""
        by_layer: dict[int, list[str]] = {}
        for rotation in self.rotations:
            who = rotation.on_call(t, self._tz)
            if who is not None:
                by_layer.setdefault(rotation.layer, []).append(who)
        return _unique(by_layer[max(by_layer)]) if by_layer else ()

    def oncall_at(self, t: datetime) -> tuple[str, ...]:
        """Who is on call at instant ``t`` (aware): usernames in order, empty if nobody."""
        t = _aware(t, "t")
        forced = [o.user for o in self.overrides if o.start <= t < o.end]
        if forced:
            return _unique(forced)
        people = list(self.layered(t))
        for swap in self.swaps:
            if swap.start <= t < swap.end:
                people = [swap.to_user if p == swap.from_user else p for p in people]
        return _unique(people)

    def _transitions(self, first: date, last: date) -> list[datetime]:
        """The instants the zone's UTC offset changes between local days ``first``-``last``."""
        out: list[datetime] = []
        day = first
        while day <= last:
            low = instant(datetime.combine(day, time(0)), self._tz)
            high = instant(datetime.combine(day + timedelta(days=1), time(0)), self._tz)
            if low.astimezone(self._tz).utcoffset() != high.astimezone(self._tz).utcoffset():
                offset = low.astimezone(self._tz).utcoffset()
                while high - low > timedelta(seconds=1):
                    middle = (low + (high - low) / 2).replace(microsecond=0)
                    if middle.astimezone(self._tz).utcoffset() == offset:
                        low = middle
                    else:
                        high = middle
                out.append(high)
            day += timedelta(days=1)
        return out

    def _breakpoints(self, a: datetime, b: datetime) -> list[datetime]:
        first = _local(a, self._tz).date() - timedelta(days=2)
        last = _local(b, self._tz).date() + timedelta(days=2)
        points: set[datetime] = {a}
        points.update(self._transitions(first, last))
        for rotation in self.rotations:
            k = max(0, rotation.handoffs_until(a, self._tz) - 1)
            while (at := rotation.handoff_at(k, self._tz)) < b:
                points.add(at)
                k += 1
            for restriction in rotation.restrictions:
                day = first
                while day <= last:
                    for wall in restriction.boundaries(day):
                        for fold in (0, 1):
                            reading = wall.replace(tzinfo=self._tz, fold=fold).astimezone(UTC)
                            if _local(reading, self._tz) == wall:
                                points.add(reading)
                        points.add(instant(wall, self._tz))
                    day += timedelta(days=1)
        for override in self.overrides:
            points.update((override.start, override.end))
        for swap in self.swaps:
            points.update((swap.start, swap.end))
        return sorted(p for p in points if a <= p < b)

    def shifts(self, a: datetime, b: datetime) -> list[Shift]:
        """The on-call timeline over ``[a, b)``: consecutive shifts, each with a constant
        set of people (empty: nobody), adjacent equal ones merged. Covers ``[a, b)`` exactly."""
        a, b = _aware(a, "a"), _aware(b, "b")
        if b <= a:
            return []
        out: list[Shift] = []
        points = self._breakpoints(a, b)
        for start, end in zip(points, [*points[1:], b], strict=True):
            users = self.oncall_at(start)
            if out and out[-1].users == users:
                out[-1] = Shift(out[-1].start, end, users)
            else:
                out.append(Shift(start, end, users))
        return out


def user_shifts(shifts: Sequence[Shift], user: str) -> list[Shift]:
    """The parts of ``shifts`` in which ``user`` is on call, adjacent ones merged."""
    out: list[Shift] = []
    for shift in shifts:
        if user not in shift.users:
            continue
        if out and out[-1].end == shift.start:
            out[-1] = Shift(out[-1].start, shift.end, (user,))
        else:
            out.append(Shift(shift.start, shift.end, (user,)))
    return out
