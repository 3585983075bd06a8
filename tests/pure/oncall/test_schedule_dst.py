"""Known dates around DST: hand-offs stay on the wall clock (Europe/Berlin, 2026)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sladesk.oncall.schedule import (
    Override,
    Restriction,
    Rotation,
    Schedule,
    ScheduleError,
    Swap,
    instant,
    parse_length,
    user_shifts,
)

BERLIN = "Europe/Berlin"


def wall(*args: int) -> datetime:
    """A naive local wall-clock time (hand-offs are read on the schedule's clock)."""
    return datetime(*args)  # noqa: DTZ001


def weekly(*people: str, handoff: datetime | None = None, **kw: object) -> Rotation:
    handoff = handoff or wall(2026, 3, 23, 9, 0)
    return Rotation(tuple(people), timedelta(weeks=1), handoff, **kw)  # type: ignore[arg-type]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "length"),
    [("1d", timedelta(days=1)), ("1w", timedelta(weeks=1)), ("12h", timedelta(hours=12)), (" 2w ", timedelta(weeks=2))],
)
def test_parse_length_reads_hours_days_weeks(text: str, length: timedelta) -> None:
    assert parse_length(text) == length


@pytest.mark.parametrize("text", ["", "1", "0h", "1m", "1y", "-1d", "53w", "1.5d"])
def test_parse_length_rejects_what_it_cannot_read(text: str) -> None:
    with pytest.raises(ScheduleError, match="length"):
        parse_length(text)


@pytest.mark.parametrize(
    ("at", "who"),
    [
        (utc(2026, 3, 23, 7, 59), ()),  # before the first hand-off (09:00 CET = 08:00 UTC): nobody
        (utc(2026, 3, 23, 8, 0), ("alice",)),
        (utc(2026, 3, 30, 6, 59), ("alice",)),  # DST began on the 29th: 09:00 CEST = 07:00 UTC
        (utc(2026, 3, 30, 7, 0), ("bob",)),
        (utc(2026, 10, 26, 7, 59), ("alice",)),  # week 31 (10-19 → 10-26), after the 25th's fall-back
        (utc(2026, 10, 26, 8, 0), ("bob",)),  # 09:00 CET again
    ],
)
def test_weekly_handoff_stays_at_nine_across_dst(at: datetime, who: tuple[str, ...]) -> None:
    # given alice, bob, carol weekly from Monday 2026-03-23 09:00 Berlin
    schedule = Schedule(BERLIN, (weekly("alice", "bob", "carol"),))
    # then the hand-off is at 09:00 local in winter and in summer
    assert schedule.oncall_at(at) == who


def test_the_week_with_the_spring_change_lasts_167_hours() -> None:
    schedule = Schedule(BERLIN, (weekly("alice", "bob"),))
    [shift] = [s for s in schedule.shifts(utc(2026, 3, 23), utc(2026, 4, 1)) if s.users == ("alice",)]
    assert shift.end - shift.start == timedelta(hours=167)


def test_a_handoff_in_the_spring_gap_happens_when_the_clocks_jump() -> None:
    # 02:30 does not exist in Berlin on 2026-03-29: the gap ends at 01:00 UTC
    assert instant(wall(2026, 3, 29, 2, 30), ZoneInfo(BERLIN)) == utc(2026, 3, 29, 1, 0)


def test_a_repeated_autumn_time_is_its_first_occurrence() -> None:
    # 02:30 happens twice in Berlin on 2026-10-25: first at 00:30 UTC (CEST)
    assert instant(wall(2026, 10, 25, 2, 30), ZoneInfo(BERLIN)) == utc(2026, 10, 25, 0, 30)


def test_business_hours_restriction_and_a_higher_layer() -> None:
    # given a 24/7 weekly layer 0 and a business-hours daily layer 1 (Mon-Fri 09-17)
    office = Restriction(frozenset(range(5)), time(9), time(17))
    base = weekly("alice", "bob")
    day = Rotation(("carol", "dave"), timedelta(days=1), wall(2026, 3, 23, 9), layer=1, restrictions=(office,))
    schedule = Schedule(BERLIN, (base, day))
    # then in office hours layer 1 wins, outside it layer 0 has someone
    assert schedule.oncall_at(utc(2026, 3, 24, 10)) == ("dave",)  # Tue 11:00 CET
    assert schedule.oncall_at(utc(2026, 3, 24, 17)) == ("alice",)  # Tue 18:00 CET
    assert schedule.oncall_at(utc(2026, 3, 28, 10)) == ("alice",)  # Saturday


def test_an_overnight_window_runs_past_midnight() -> None:
    night = Restriction(frozenset({4}), time(22), time(6))  # Friday 22:00 → Saturday 06:00
    schedule = Schedule("UTC", (Rotation(("alice",), timedelta(days=1), wall(2026, 1, 1), restrictions=(night,)),))
    assert schedule.oncall_at(utc(2026, 3, 27, 23)) == ("alice",)  # Friday 23:00
    assert schedule.oncall_at(utc(2026, 3, 28, 5, 59)) == ("alice",)  # Saturday 05:59
    assert schedule.oncall_at(utc(2026, 3, 28, 6)) == ()
    assert schedule.oncall_at(utc(2026, 3, 28, 23)) == ()


def test_overrides_and_swaps() -> None:
    schedule = Schedule(
        BERLIN,
        (weekly("alice", "bob"),),
        overrides=(Override("carol", utc(2026, 3, 24, 0), utc(2026, 3, 24, 6)),),
        swaps=(Swap("alice", "dave", utc(2026, 3, 25), utc(2026, 3, 26)),),
    )
    assert schedule.oncall_at(utc(2026, 3, 24, 1)) == ("carol",)
    assert schedule.oncall_at(utc(2026, 3, 24, 6)) == ("alice",)  # half-open: the override ended
    assert schedule.oncall_at(utc(2026, 3, 25, 12)) == ("dave",)
    shifts = schedule.shifts(utc(2026, 3, 23), utc(2026, 3, 27))
    assert [s.users for s in shifts] == [(), ("alice",), ("carol",), ("alice",), ("dave",), ("alice",)]
    assert [(s.start, s.end) for s in user_shifts(shifts, "carol")] == [(utc(2026, 3, 24), utc(2026, 3, 24, 6))]


def test_naive_instants_and_unknown_zones_are_refused() -> None:
    with pytest.raises(ScheduleError, match="time zone"):
        Schedule("Mars/Olympus")
    with pytest.raises(ScheduleError, match="aware"):
        Schedule(BERLIN).oncall_at(datetime(2026, 1, 1))  # noqa: DTZ001
