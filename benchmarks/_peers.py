"""Adapters giving every measured library the same shape: ``add(dt, td) -> dt`` and
``elapsed(a, b) -> td`` with timezone-aware datetimes in and out.

Each adapter builds the calendar the way its library's documentation says to, with the
same US holidays (python-holidays, observed days included). Where a library cannot
express the calendar exactly, the adapter says so in ``limits``; the benchmark then
shows the cost in its disagreement rate with the oracle rather than hiding it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_lib

__all__ = ["HOLIDAY_YEARS", "Peer", "businesstimedelta_peer", "pandas_peer", "workclock_peer"]

HOLIDAY_YEARS = range(2023, 2031)

AddFn = Callable[[datetime, timedelta], datetime]
ElapsedFn = Callable[[datetime, datetime], timedelta]


@dataclass
class Peer:
    """One library's view of one calendar."""

    name: str
    add: AddFn
    elapsed: ElapsedFn | None  # None: the library has no such operation
    limits: str = ""


def _us_holidays() -> holidays_lib.HolidayBase:
    return holidays_lib.country_holidays("US", years=HOLIDAY_YEARS)


def workclock_peer(kind: str, zone: str) -> tuple[Peer, Any]:
    """workclock (Rust core). Returns the peer and the `Schedule` (for its batch API)."""
    import workclock

    tz = ZoneInfo(zone)
    if kind == "office":
        rules = [
            workclock.WorkDay(time(9), time(17), days=range(5)),
            workclock.Holidays(_us_holidays()),
        ]
    else:
        rules = [workclock.WorkDay(time(22), time(6), days=range(7))]
    schedule = workclock.Schedule(rules, time_zone=tz)
    return Peer("workclock", schedule.add, schedule.between), schedule


def pandas_peer(kind: str, zone: str) -> Peer:
    """pandas `CustomBusinessHour`. It works on naive wall-clock timestamps, so each query
    is converted to local wall time, computed, and the result localized again.

    Limits: CustomBusinessHour takes whole hours only (``n`` is an integer), so the
    minutes are added as a second step that rolls past a closing time by hand; it has
    no elapsed-time operation; wall-clock arithmetic cannot see DST (a night across
    spring-forward counts 8 h instead of 7, one across fall-back 8 h instead of 9).
    """
    import pandas as pd

    tz = ZoneInfo(zone)
    if kind == "office":
        cbh = pd.offsets.CustomBusinessHour(
            start="09:00",
            end="17:00",
            weekmask="Mon Tue Wed Thu Fri",
            holidays=list(_us_holidays()),
        )
        close_h = 17
    else:
        cbh = pd.offsets.CustomBusinessHour(
            start="22:00", end="06:00", weekmask="Mon Tue Wed Thu Fri Sat Sun"
        )
        close_h = 6
    hour_offsets: dict[int, object] = {}
    one_hour = timedelta(hours=1)

    def add(start: datetime, work: timedelta) -> datetime:
        if not work:
            return start
        wall = pd.Timestamp(start.astimezone(tz).replace(tzinfo=None))
        hours, rest = divmod(work, one_hour)
        if hours:
            off = hour_offsets.get(hours)
            if off is None:
                off = hour_offsets[hours] = cbh * hours
            t = wall + off  # type: ignore[operator]
        else:
            t = cbh.rollforward(wall)
        if rest:
            # Add the minutes within t's business period, rolling past its closing time
            # to the next opening by hand (a result exactly on a closing time first
            # moves to the next opening).
            if t.hour == close_h and t.minute == 0 and t.second == 0:
                t = (t + cbh) - one_hour  # next opening
            close = t.normalize() + timedelta(hours=close_h)
            if close <= t:
                close += timedelta(days=1)
            next_opening = (close + cbh) - one_hour
            t = t + rest if t + rest <= close else next_opening + (t + rest - close)
        return t.to_pydatetime().replace(tzinfo=tz)

    return Peer(
        "pandas CBH",
        add,
        None,
        limits="whole hours + manual minutes; naive wall time (DST-blind); no elapsed API",
    )


def businesstimedelta_peer(kind: str, zone: str) -> Peer:
    """businesstimedelta: `WorkDayRule` + `HolidayRule` (pytz zones), Python loops."""
    import businesstimedelta as btd
    import pytz

    tz = pytz.timezone(zone)
    if kind == "office":
        workday = btd.WorkDayRule(
            start_time=time(9), end_time=time(17), working_days=[0, 1, 2, 3, 4], tz=tz
        )
        rules = btd.Rules([workday, btd.HolidayRule(_us_holidays(), tz=tz)])
    else:
        rules = btd.Rules(
            [
                btd.WorkDayRule(
                    start_time=time(22), end_time=time(6), working_days=list(range(7)), tz=tz
                )
            ]
        )

    def add(start: datetime, work: timedelta) -> datetime:
        result: datetime = start + btd.BusinessTimeDelta(rules, timedelta=work)
        return result

    def elapsed(a: datetime, b: datetime) -> timedelta:
        got: timedelta = rules.difference(a, b).timedelta
        return got

    return Peer("businesstimedelta", add, elapsed, limits="pytz; Python day-by-day loops")
