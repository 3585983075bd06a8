"""Recurring maintenance windows in a time zone (no Django)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sladesk.status.schedule import Recurrence, occurrences

BERLIN = ZoneInfo("Europe/Berlin")


def sunday_two_am(hours: int = 2) -> Recurrence:
    return Recurrence(
        "weekly",
        time(2, 0),
        timedelta(hours=hours),
        BERLIN,
        date(2026, 1, 1),
        weekdays=frozenset({6}),
    )


def test_weekly_sunday_windows_keep_local_time_across_dst() -> None:
    # given every Sunday 02:00-04:00 Berlin; when March/April 2026 is asked
    got = occurrences(
        sunday_two_am(), datetime(2026, 3, 20, tzinfo=UTC), datetime(2026, 4, 6, tzinfo=UTC)
    )
    # then 22 Mar at 01:00 UTC (CET), 29 Mar (02:00 does not exist: 03:00 CEST = 01:00 UTC),
    # 5 Apr at 00:00 UTC (CEST); each lasts two real hours
    assert [s for s, _ in got] == [
        datetime(2026, 3, 22, 1, tzinfo=UTC),
        datetime(2026, 3, 29, 1, tzinfo=UTC),
        datetime(2026, 4, 5, 0, tzinfo=UTC),
    ]
    assert all(e - s == timedelta(hours=2) for s, e in got)


def test_monthly_windows_skip_months_without_the_day() -> None:
    rule = Recurrence(
        "monthly", time(22), timedelta(hours=1), ZoneInfo("UTC"), date(2026, 1, 1), day_of_month=31
    )
    got = occurrences(rule, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC))
    assert [s.month for s, _ in got] == [1, 3, 5]


def test_a_window_that_began_before_the_query_is_returned() -> None:
    # given a daily 23:00 window of 3 hours; when asked from 01:00 the next day
    rule = Recurrence("daily", time(23), timedelta(hours=3), ZoneInfo("UTC"), date(2026, 1, 1))
    got = occurrences(
        rule, datetime(2026, 2, 2, 1, tzinfo=UTC), datetime(2026, 2, 2, 2, tzinfo=UTC)
    )
    # then yesterday's window, still running, is the answer
    assert got == [(datetime(2026, 2, 1, 23, tzinfo=UTC), datetime(2026, 2, 2, 2, tzinfo=UTC))]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"frequency": "weekly"}, "weekdays"),
        ({"frequency": "monthly"}, "day_of_month"),
        ({"frequency": "daily", "duration": timedelta(0)}, "positive"),
        ({"frequency": "hourly"}, "unknown frequency"),
        ({"frequency": "daily", "last_day": date(2025, 1, 1)}, "before"),
    ],
)
def test_bad_recurrences_name_the_problem(kwargs: dict[str, object], message: str) -> None:
    values: dict[str, object] = {
        "at": time(2),
        "duration": timedelta(hours=1),
        "tz": BERLIN,
        "first_day": date(2026, 1, 1),
    }
    values.update(kwargs)
    with pytest.raises(ValueError, match=message):
        Recurrence(**values)  # type: ignore[arg-type]


@settings(max_examples=80, deadline=None)
@given(
    weekdays=st.frozensets(st.integers(0, 6), min_size=1),
    hour=st.integers(0, 23),
    minutes=st.integers(1, 60 * 30),
    offset=st.integers(0, 400 * 24),
    span=st.integers(1, 40 * 24),
)
def test_weekly_windows_overlap_the_query_and_start_on_their_days(
    weekdays: frozenset[int], hour: int, minutes: int, offset: int, span: int
) -> None:
    # given any weekly rule in Berlin and any query window
    rule = Recurrence(
        "weekly",
        time(hour),
        timedelta(minutes=minutes),
        BERLIN,
        date(2026, 1, 1),
        weekdays=weekdays,
    )
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=offset)
    end = start + timedelta(hours=span)
    got = occurrences(rule, start, end)
    # then every window overlaps the query, starts on a chosen local weekday, in order,
    # and no day's window that overlaps is missing
    assert got == sorted(got)
    for s, e in got:
        assert s < end and e > start and e - s == rule.duration
        assert rule.picks(s.astimezone(BERLIN).date()) or rule.picks(
            (s.astimezone(BERLIN) - timedelta(hours=1)).date()
        )
    day = date(2025, 12, 20)
    expected = []
    while day <= date(2027, 3, 1):
        if rule.picks(day):
            s, e = rule.window_on(day)
            if s < end and e > start:
                expected.append((s, e))
        day += timedelta(days=1)
    assert got == expected
