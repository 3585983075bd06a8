"""Uptime arithmetic against a brute-force minute count (no Django: ``-p no:django``).

The oracle walks the window minute by minute, asks every span whether it covers that
minute, applies the documented rules (maintenance wins, else the worst status) and adds
the weights up. Spans are whole minutes, so the count is exact.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from sladesk.status.uptime import (
    SEVERITY,
    STATUSES,
    Status,
    StatusSpan,
    Weights,
    daily,
    effective,
    monthly,
    uptime,
)

MINUTE = timedelta(minutes=1)
# 2026-03-27 .. 2026-04-02 UTC: Europe/Berlin's spring-forward night (29 March) and the
# March/April month boundary, inside one small window.
BASE = datetime(2026, 3, 27, tzinfo=UTC)
WINDOW_MINUTES = 6 * 24 * 60
BERLIN = ZoneInfo("Europe/Berlin")


def span_strategy(max_minute: int = WINDOW_MINUTES) -> st.SearchStrategy[StatusSpan]:
    def build(start: int, length: int, status: Status, open_end: bool) -> StatusSpan:
        begin = BASE + start * MINUTE
        return StatusSpan(begin, None if open_end else begin + length * MINUTE, status)

    return st.builds(
        build,
        st.integers(-600, max_minute + 600),
        st.integers(0, 3000),
        st.sampled_from(STATUSES),
        st.sampled_from([False, False, False, True]),  # now and then a span still open
    )


weights_strategy = st.builds(
    Weights,
    major=st.sampled_from([1.0, 0.75]),
    partial=st.sampled_from([0.0, 0.3, 0.5, 1.0]),
    degraded=st.sampled_from([0.0, 0.1]),
)


def minute_status(spans: list[StatusSpan], at: datetime) -> Status:
    """The oracle: maintenance if any span covering ``at`` is maintenance, else the worst."""
    covering = [s.status for s in spans if s.start <= at and (s.end is None or at < s.end)]
    if "under_maintenance" in covering:
        return "under_maintenance"
    return max(covering, key=SEVERITY.__getitem__, default="operational")


def brute(
    spans: list[StatusSpan], start: datetime, end: datetime, w: Weights
) -> tuple[Counter[Status], float]:
    counts: Counter[Status] = Counter()
    at = start
    while at < end:
        counts[minute_status(spans, at)] += 1
        at += MINUTE
    down = counts["major_outage"] * w.major + counts["partial_outage"] * w.partial
    down += counts["degraded_performance"] * w.degraded
    return counts, down


@settings(max_examples=150, deadline=None)
@given(
    spans=st.lists(span_strategy(), max_size=8),
    a=st.integers(0, WINDOW_MINUTES),
    b=st.integers(0, WINDOW_MINUTES),
    w=weights_strategy,
)
def test_uptime_matches_a_minute_count(spans: list[StatusSpan], a: int, b: int, w: Weights) -> None:
    # given a window [start, end) and overlapping spans of any statuses
    start, end = BASE + min(a, b) * MINUTE, BASE + max(a, b) * MINUTE
    # when the arithmetic measures it
    got = uptime(spans, start, end, w)
    # then every status's minutes and the weighted downtime equal the brute-force count
    counts, down = brute(spans, start, end, w)
    for status in STATUSES:
        assert math.isclose(got.seconds.get(status, 0.0), counts[status] * 60.0)
    assert math.isclose(got.downtime, down * 60.0, abs_tol=1e-6)
    counted = sum(counts.values()) - counts["under_maintenance"]
    if counted == 0:
        assert got.percent is None
    else:
        assert got.percent is not None
        assert math.isclose(got.percent, 100.0 * (1 - down / counted), abs_tol=1e-9)


@settings(max_examples=150, deadline=None)
@given(spans=st.lists(span_strategy(), max_size=8))
def test_effective_timeline_tiles_the_window(spans: list[StatusSpan]) -> None:
    # given any spans; when the effective timeline of the window is built
    start, end = BASE, BASE + WINDOW_MINUTES * MINUTE
    segments = effective(spans, start, end)
    # then it covers [start, end) with no gap or overlap, merged, each piece as the oracle says
    assert segments[0].start == start and segments[-1].end == end
    for left, right in itertools.pairwise(segments):
        assert left.end == right.start and left.status != right.status
    for seg in segments:
        assert minute_status(spans, seg.start) == seg.status
        assert minute_status(spans, seg.end - MINUTE) == seg.status


@settings(max_examples=60, deadline=None)
@given(spans=st.lists(span_strategy(), max_size=6), w=weights_strategy)
def test_daily_figures_match_a_minute_count_by_local_day(
    spans: list[StatusSpan], w: Weights
) -> None:
    # given a window over Berlin's spring-forward night (a 23-hour local day)
    last = date(2026, 3, 31)
    # when the day figures are computed in Europe/Berlin
    days = daily(spans, last, BERLIN, days=4, weights=w)
    # then each local day holds exactly the minutes whose Berlin date is that day
    per_day: dict[date, Counter[Status]] = {}
    first_start = datetime(2026, 3, 28, tzinfo=BERLIN).astimezone(UTC)
    end = datetime(2026, 4, 1, tzinfo=BERLIN).astimezone(UTC)
    at = first_start
    while at < end:
        per_day.setdefault(at.astimezone(BERLIN).date(), Counter())[minute_status(spans, at)] += 1
        at += MINUTE
    assert [d for d, _ in days] == sorted(per_day)
    for day, got in days:
        counts = per_day[day]
        assert math.isclose(
            got.counted, (sum(counts.values()) - counts["under_maintenance"]) * 60.0
        )
        down = counts["major_outage"] * w.major + counts["partial_outage"] * w.partial
        down += counts["degraded_performance"] * w.degraded
        assert math.isclose(got.downtime, down * 60.0, abs_tol=1e-6)


@settings(max_examples=60, deadline=None)
@given(spans=st.lists(span_strategy(), max_size=6))
def test_month_figures_add_up_to_the_window(spans: list[StatusSpan]) -> None:
    # given spans across the March/April boundary; when both months are measured in Berlin
    march = monthly(spans, 2026, 3, BERLIN)
    april = monthly(spans, 2026, 4, BERLIN)
    both = uptime(spans, march.start, april.end)
    # then the months meet at local midnight and their seconds add up to the whole
    assert march.end == april.start == datetime(2026, 4, 1, tzinfo=BERLIN)
    for status in STATUSES:
        total = march.seconds.get(status, 0.0) + april.seconds.get(status, 0.0)
        assert math.isclose(total, both.seconds.get(status, 0.0))
