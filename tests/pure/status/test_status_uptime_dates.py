"""Uptime arithmetic on known dates: overlaps, maintenance inside an outage, DST, months,
credit bands and the policy's ``uptime:`` block (no Django)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sladesk.sla import load_policy_text
from sladesk.sla.errors import PolicyError
from sladesk.sla.policy import CreditBand
from sladesk.status.uptime import (
    StatusSpan,
    Weights,
    daily,
    effective,
    local_day_bounds,
    monthly,
    service_credit,
    uptime,
)

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_a_major_outage_inside_a_partial_one_counts_as_major_for_its_length() -> None:
    # given a 60-minute partial outage and a 10-minute major outage inside it
    spans = [
        StatusSpan(at("2026-06-01T10:00Z"), at("2026-06-01T11:00Z"), "partial_outage"),
        StatusSpan(at("2026-06-01T10:20Z"), at("2026-06-01T10:30Z"), "major_outage"),
    ]
    # when the day is measured with the default weights
    day = uptime(spans, at("2026-06-01T00:00Z"), at("2026-06-02T00:00Z"))
    # then 10 min count fully and 50 min at 0.3: 25 weighted minutes of 1440
    assert day.seconds["major_outage"] == 600
    assert day.seconds["partial_outage"] == 3000
    assert day.downtime == pytest.approx(600 + 0.3 * 3000)
    assert day.percent == pytest.approx(100 * (1 - 25 / 1440))


def test_an_outage_during_announced_maintenance_costs_nothing() -> None:
    # given a 2-hour maintenance window with a 30-minute major outage inside it
    spans = [
        StatusSpan(at("2026-06-01T02:00Z"), at("2026-06-01T04:00Z"), "under_maintenance"),
        StatusSpan(at("2026-06-01T03:00Z"), at("2026-06-01T03:30Z"), "major_outage"),
    ]
    # when the day is measured
    day = uptime(spans, at("2026-06-01T00:00Z"), at("2026-06-02T00:00Z"))
    # then the maintenance leaves the denominator and the outage is not counted
    assert day.counted == 22 * 3600
    assert day.downtime == 0
    assert day.percent == 100.0
    assert [s.status for s in effective(spans, day.start, day.end)] == [
        "operational",
        "under_maintenance",
        "operational",
    ]


def test_an_outage_straddling_a_maintenance_window_counts_outside_it_only() -> None:
    # given a major outage 01:00-05:00 and maintenance 02:00-04:00
    spans = [
        StatusSpan(at("2026-06-01T01:00Z"), at("2026-06-01T05:00Z"), "major_outage"),
        StatusSpan(at("2026-06-01T02:00Z"), at("2026-06-01T04:00Z"), "under_maintenance"),
    ]
    # when measured: then 2 h of major outage over 22 counted hours
    day = uptime(spans, at("2026-06-01T00:00Z"), at("2026-06-02T00:00Z"))
    assert day.percent == pytest.approx(100 * (1 - 2 / 22))


def test_a_whole_window_under_maintenance_has_no_figure() -> None:
    spans = [StatusSpan(at("2026-06-01T00:00Z"), None, "under_maintenance")]
    got = uptime(spans, at("2026-06-01T00:00Z"), at("2026-06-02T00:00Z"))
    assert got.percent is None
    assert got.worst == "under_maintenance"


@pytest.mark.parametrize(
    ("day", "tz", "hours"),
    [
        (date(2026, 3, 29), BERLIN, 23),  # spring forward
        (date(2026, 10, 25), BERLIN, 25),  # fall back
        (date(2026, 3, 8), NEW_YORK, 23),
        (date(2026, 11, 1), NEW_YORK, 25),
        (date(2026, 6, 1), BERLIN, 24),
    ],
)
def test_local_days_are_23_or_25_hours_on_dst_changes(day: date, tz: ZoneInfo, hours: int) -> None:
    start, end = local_day_bounds(day, tz)
    assert end - start == timedelta(hours=hours)
    assert start.astimezone(tz).hour == 0


def test_a_one_hour_outage_on_the_short_day_weighs_one_in_twenty_three() -> None:
    # given a major outage 10:00-11:00 Berlin time on 29 March 2026 (23-hour day)
    spans = [StatusSpan(at("2026-03-29T10:00+02:00"), at("2026-03-29T11:00+02:00"), "major_outage")]
    # when the 90 days ending that day are measured in Berlin
    days = daily(spans, date(2026, 3, 29), BERLIN)
    # then there are 90 days, the last is 23 hours long and 1/23 down
    assert len(days) == 90 and days[-1][0] == date(2026, 3, 29)
    assert days[-1][1].percent == pytest.approx(100 * 22 / 23)
    assert all(u.percent == 100.0 for _, u in days[:-1])


def test_an_outage_across_midnight_of_a_month_splits_between_months() -> None:
    # given a major outage from 23:00 on 31 January to 01:00 on 1 February, New York time
    spans = [StatusSpan(at("2026-01-31T23:00-05:00"), at("2026-02-01T01:00-05:00"), "major_outage")]
    # when January and February are measured in New York
    jan = monthly(spans, 2026, 1, NEW_YORK)
    feb = monthly(spans, 2026, 2, NEW_YORK)
    # then each month holds one hour of it
    assert jan.seconds["major_outage"] == feb.seconds["major_outage"] == 3600
    assert jan.percent == pytest.approx(100 * (1 - 1 / (31 * 24)))
    assert feb.percent == pytest.approx(100 * (1 - 1 / (28 * 24)))


def test_a_running_month_is_measured_until_now() -> None:
    spans = [StatusSpan(at("2026-06-01T00:00Z"), at("2026-06-01T01:00Z"), "major_outage")]
    got = monthly(spans, 2026, 6, ZoneInfo("UTC"), until=at("2026-06-02T00:00Z"))
    assert got.end == at("2026-06-02T00:00Z")
    assert got.percent == pytest.approx(100 * 23 / 24)


def test_degraded_performance_weighs_nothing_by_default_and_its_weight_when_set() -> None:
    spans = [StatusSpan(at("2026-06-01T00:00Z"), at("2026-06-01T12:00Z"), "degraded_performance")]
    window = (at("2026-06-01T00:00Z"), at("2026-06-02T00:00Z"))
    assert uptime(spans, *window).percent == 100.0
    assert uptime(spans, *window, Weights(degraded=0.1)).percent == pytest.approx(95.0)


def test_naive_datetimes_and_bad_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        StatusSpan(datetime(2026, 1, 1), None, "major_outage")  # noqa: DTZ001
    with pytest.raises(ValueError, match="partial weight"):
        Weights(partial=1.5)


@pytest.mark.parametrize(
    ("percent", "credit"),
    [(99.9, 0), (99.5, 0), (99.49, 10), (99.0, 10), (98.99, 25), (90.0, 25), (None, 0)],
)
def test_service_credit_by_band(percent: float | None, credit: float) -> None:
    bands = [CreditBand(99.5, 10), CreditBand(99.0, 25)]
    assert service_credit(percent, bands) == credit


POLICY = """
name: p
title: P
calendars: {always: {timezone: UTC, hours: {daily: "00:00-24:00"}}}
priorities: [{key: P1, name: Urgent}]
default_priority: P1
targets: [{priority: P1, first_response: 1 hour}]
"""


def test_the_short_uptime_target_still_loads() -> None:
    policy = load_policy_text(POLICY + "uptime_target: 99.5\n")
    assert policy.uptime_target == 99.5
    assert policy.uptime is not None and policy.uptime.target == 99.5
    assert policy.uptime.partial_weight == 0.3 and policy.uptime.credits == ()


def test_the_uptime_block_with_credits_and_weights() -> None:
    policy = load_policy_text(
        POLICY
        + "uptime:\n  target: 99.9\n  partial_weight: 0.5\n  maintenance_silences_pages: true\n"
        + "  credits: [{below: 99.9, credit_pct: 10}, {below: 99.0, credit_pct: 25}]\n"
    )
    assert policy.uptime_target == 99.9
    assert policy.uptime is not None
    assert [b.below for b in policy.uptime.credits] == [99.9, 99.0]
    assert policy.uptime.maintenance_silences_pages is True
    assert Weights.of_policy(policy.uptime) == Weights(partial=0.5)


def test_no_uptime_promise_means_no_terms() -> None:
    policy = load_policy_text(POLICY)
    assert policy.uptime is None and policy.uptime_target is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("uptime_target: 99.5\nuptime: {target: 99.9}\n", "disagree"),
        ("uptime: {target: 99.9, partial_weight: 2}\n", "partial_weight"),
        ("uptime: {target: 99.9, credits: [{below: 99}]}\n", "credit_pct"),
        ("uptime: {target: 99.9, bogus: 1}\n", "bogus"),
    ],
)
def test_bad_uptime_blocks_name_the_problem(extra: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        load_policy_text(POLICY + extra)


def test_utc_helpers_are_aware() -> None:
    start, _ = local_day_bounds(date(2026, 1, 1), ZoneInfo("UTC"))
    assert start == datetime(2026, 1, 1, tzinfo=UTC)
