"""The batch API (`Calendar.add_many` / `elapsed_many`, numpy epoch seconds) equals the
scalar one, element by element, to the microsecond."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from sladesk.sla import Calendar, parse_spans

LA = "America/Los_Angeles"
START_2024 = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
END_2029 = int(datetime(2029, 1, 1, tzinfo=UTC).timestamp())


def office() -> Calendar:
    """particle-enterprise `na`: Mon-Fri 09-17 Los Angeles, US holidays."""
    return Calendar(
        "na", LA, {d: parse_spans("09:00-17:00") for d in range(5)}, holiday_country="US"
    )


def nights() -> Calendar:
    """Every night 22:00-06:00 Los Angeles."""
    return Calendar("nights", LA, {d: parse_spans("22:00-06:00") for d in range(7)})


def _scalar_add(cal: Calendar, start: float, work: float) -> float:
    start_dt = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=round(start * 1e6))
    due = cal.add(start_dt, timedelta(microseconds=round(work * 1e6)))
    return (due - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(seconds=1)


@pytest.mark.parametrize("make", [office, nights], ids=["office", "nights"])
@pytest.mark.parametrize("fractional", [False, True], ids=["whole-seconds", "microseconds"])
def test_add_many_equals_add(make: type[Calendar], fractional: bool) -> None:
    # given a calendar and 2,000 random starts over 2024-2028 with random work (0 to 5 days)
    cal = make()
    rng = np.random.default_rng(7)
    starts = rng.integers(START_2024, END_2029, 2_000)
    work = rng.integers(0, 5 * 8 * 3600, 2_000)
    if fractional:
        starts = starts + rng.integers(0, 1_000_000, 2_000) / 1e6

    # when deadlines are computed in one batch
    due = cal.add_many(starts, work)

    # then each equals the scalar deadline to the microsecond
    expected = np.array(
        [_scalar_add(cal, float(s), float(w)) for s, w in zip(starts, work, strict=True)]
    )
    assert due.dtype == np.float64
    assert np.array_equal(np.rint(due * 1e6), np.rint(expected * 1e6))


@pytest.mark.parametrize("make", [office, nights], ids=["office", "nights"])
def test_elapsed_many_equals_elapsed(make: type[Calendar]) -> None:
    # given a calendar and 2,000 random pairs of instants (either order, up to 3 weeks apart)
    cal = make()
    rng = np.random.default_rng(11)
    a = rng.integers(START_2024, END_2029, 2_000)
    b = a + rng.integers(-7 * 86_400, 14 * 86_400, 2_000)

    # when working time is measured in one batch
    worked = cal.elapsed_many(a, b)

    # then each equals the scalar answer
    def dt(t: int) -> datetime:
        return datetime.fromtimestamp(int(t), UTC)

    expected = [cal.elapsed(dt(x), dt(y)).total_seconds() for x, y in zip(a, b, strict=True)]
    assert worked.tolist() == expected


def test_add_many_zero_work_returns_the_start_and_scalar_work_broadcasts() -> None:
    # given a Saturday (closed) and a Monday 10:00 PST start
    cal = office()
    saturday = datetime(2026, 1, 10, 10, tzinfo=UTC).timestamp()
    monday = datetime(2026, 1, 12, 18, tzinfo=UTC).timestamp()
    starts = np.array([saturday, monday])

    # when zero work, then one hour, is added to both
    # then zero work returns each start, and one scalar amount applies to every start
    assert cal.add_many(starts, 0).tolist() == [saturday, monday]
    assert cal.add_many(starts, 3600).tolist() == [monday, monday + 3600]


def test_batch_edges_empty_negative_and_far_years() -> None:
    # given a calendar
    cal = office()

    # then an empty batch is an empty result, negative work is refused
    assert cal.add_many(np.array([], dtype=np.int64), 60).shape == (0,)
    assert cal.elapsed_many(np.array([]), np.array([])).shape == (0,)
    with pytest.raises(ValueError, match="negative"):
        cal.add_many(np.array([START_2024]), -1)
    # and starts spanning 1990 to 2090 in one batch agree with the scalar API
    starts = np.array([datetime(y, 11, 20, 17, tzinfo=UTC).timestamp() for y in (1990, 2026, 2090)])
    due = cal.add_many(starts, 4 * 3600)
    expected = [_scalar_add(cal, float(s), 4 * 3600) for s in starts]
    assert due.tolist() == expected


def test_add_many_past_the_laid_out_years() -> None:
    # given a calendar open one hour a week, and a batch needing ten years of it
    cal = Calendar("sparse", LA, {0: parse_spans("09:00-10:00")})
    starts = np.array([START_2024, START_2024 + 86_400])

    # when deadlines are computed in one batch
    due = cal.add_many(starts, 520 * 3600)

    # then they match the scalar API
    assert due.tolist() == [_scalar_add(cal, float(s), 520 * 3600) for s in starts]
