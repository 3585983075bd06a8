"""Attainment from the rollup agrees with a recomputation from the clock rows, and the API.

The recomputation reads `SlaClock` rows and `sladesk.tickets.clocks.status_of` directly
(not the fact table): counts must agree exactly, percentiles within the histogram's
stated resolution (±1 %, `sladesk.reports.histogram`).
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from sladesk.reports import histogram
from sladesk.reports.attainment import attainment, breaches, month_ranges
from sladesk.reports.models import AttainmentCell, ClockFact, RollupChange
from sladesk.reports.rollup import fold, rebuild
from sladesk.tickets import clocks as rules
from sladesk.tickets.models import SlaClock

pytestmark = pytest.mark.django_db


def _exact_rank(values: list[int], q: float) -> int | None:
    if not values:
        return None
    values = sorted(values)
    return values[max(1, math.ceil(q * len(values))) - 1]


def recompute(start: date, end: date, now: datetime) -> dict[tuple[Any, ...], dict[str, Any]]:
    """(organization, priority, metric) -> counts and exact percentiles, from the clocks."""
    lo = datetime.combine(start, time(0), tzinfo=UTC)
    hi = datetime.combine(end, time(0), tzinfo=UTC)
    out: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(
        lambda: {"tickets": 0, "met": 0, "breached": 0, "running": 0, "used": []}
    )
    for c in SlaClock.objects.select_related("ticket", "ticket__policy_version").filter(
        ticket__created_at__gte=lo, ticket__created_at__lt=hi
    ):
        if c.state == "cancelled":
            continue
        t = c.ticket
        row = out[(t.organization_id, t.priority, c.metric)]
        row["tickets"] += 1
        row[{"met": "met", "breached": "breached"}.get(c.state, "running")] += 1
        if c.met_at is not None:
            status = rules.status_of(c, rules.targets_of(t).get(c.metric), now)
            row["used"].append(int(status.used.total_seconds()))
    return out


def _close(a: int | None, b: int | None) -> bool:
    if a is None or b is None:
        return a == b
    return abs(a - b) <= max(1, 0.01 * b)


@pytest.mark.parametrize("folded", [None, 7, "all"], ids=["journal", "part", "folded"])
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2026, 10, 1), date(2026, 12, 1)),  # two whole months
        (date(2026, 10, 29), date(2026, 11, 3)),  # days either side of the month boundary
        (date(2026, 11, 1), date(2026, 11, 2)),  # one day: the UTC November edge
        (date(2026, 10, 31), date(2026, 11, 1)),  # one day: the UTC October edge
    ],
)
def test_rollup_agrees_with_the_clocks(scenario, start, end, folded):
    # given the scenario (timers, pauses, re-targets, reopen, merge across DST and a month end)
    # and its journal not folded, folded in part (7 rows), or folded whole
    if folded == "all":
        fold()
    elif folded:
        assert fold(batch=folded) == folded
        assert RollupChange.objects.exists()
    # when attainment is read from the rollup (cells plus the journal not folded yet)
    rows = attainment(start, end, ["organization", "priority", "metric"])
    # then every group agrees with a recomputation from the clock rows
    expected = recompute(start, end, scenario.end)
    got = {(r["organization"], r["priority"], r["metric"]): r for r in rows}
    assert set(got) == {k for k, v in expected.items() if v["tickets"]}
    for key, exp in expected.items():
        r = got[key]
        assert (r["tickets"], r["met"], r["breached"], r["running"]) == (
            exp["tickets"],
            exp["met"],
            exp["breached"],
            exp["running"],
        ), key
        assert _close(r["p50_seconds"], _exact_rank(exp["used"], 0.5)), (key, r, exp)
        assert _close(r["p90_seconds"], _exact_rank(exp["used"], 0.9)), (key, r, exp)


def test_scenario_covers_what_it_claims(scenario):
    # given the scenario, then it has met, breached (met late), paused, cancelled and running clocks
    states = set(SlaClock.objects.values_list("state", flat=True))
    assert {"met", "breached", "running", "cancelled"} <= states
    assert SlaClock.objects.filter(state="breached", met_at__isnull=False).exists()
    assert ClockFact.objects.filter(paused_seconds__gt=0).exists()
    # and the month edge tickets land in their own UTC months
    oct_rows = attainment(date(2026, 10, 31), date(2026, 11, 1), ["organization"])
    nov_rows = attainment(date(2026, 11, 1), date(2026, 11, 2), ["organization"])
    webwerk = scenario.orgs[2].pk
    assert [r["organization"] for r in oct_rows] == [webwerk]
    assert webwerk in [r["organization"] for r in nov_rows]


def test_rebuild_reproduces_the_incremental_rollup(scenario):
    # given the rollup kept incrementally, its journal folded
    fold()
    assert not RollupChange.objects.exists()

    def snapshot():
        return sorted(
            (
                c.granularity,
                c.period,
                c.organization_id,
                c.priority,
                c.metric,
                c.team_id,
                c.tickets,
                c.met,
                c.breached,
                c.running,
                c.paused_seconds,
                sorted(c.used_hist.items()),
            )
            for c in AttainmentCell.objects.filter(tickets__gt=0)
        )

    incremental = snapshot()
    # when it is rebuilt from the clock rows
    rebuild()
    # then nothing changes (except team changes without clock changes: none here after refresh)
    assert snapshot() == incremental


def test_breach_list_gives_reasons(scenario):
    # when the breaches of the scenario are listed
    found = {
        (b.ticket_id, b.metric): b.reason for b in breaches(date(2026, 10, 1), date(2026, 12, 1))
    }
    # then the late P1 reply says so, and the re-targeted one names the priority change
    assert found[(scenario.tickets["late"].pk, "first_response")] == "late first reply"
    assert (
        found[(scenario.tickets["reprio"].pk, "first_response")]
        == "re-targeted by a priority change"
    )


def test_month_ranges_split_edges():
    assert month_ranges(date(2026, 1, 15), date(2026, 4, 10)) == (
        [(date(2026, 1, 15), date(2026, 2, 1)), (date(2026, 4, 1), date(2026, 4, 10))],
        [date(2026, 2, 1), date(2026, 3, 1)],
    )
    assert month_ranges(date(2026, 1, 1), date(2027, 1, 1))[0] == []
    assert month_ranges(date(2026, 1, 3), date(2026, 1, 9)) == (
        [(date(2026, 1, 3), date(2026, 1, 9))],
        [],
    )


def test_histogram_percentile_within_resolution():
    # given 1000 durations from 1 s to about 11 days
    values = [int(1.013**i) for i in range(1000)]
    h: dict[str, int] = {}
    for v in values:
        histogram.add(h, v)
    merged = histogram.merge([h])
    for q in (0.5, 0.9, 0.99):
        exact = _exact_rank(values, q)
        assert abs(histogram.percentile(merged, q) - exact) <= 0.01 * exact + 1


# ------------------------------------------------------------------------------ API
URL = "/api/v1/reports/attainment/"


def test_api_rows_agree_with_ticket_api_clock_states(scenario, client_for):
    # given an agent
    client = client_for(scenario.agent)
    # when attainment over October-November is asked for
    res = client.get(
        URL, {"from": "2026-10-01", "to": "2026-12-01", "group_by": "organization,priority,metric"}
    )
    assert res.status_code == 200, res.content
    rows = res.json()["rows"]
    assert set(rows[0]) >= {
        "organization",
        "priority",
        "metric",
        "tickets",
        "met",
        "breached",
        "running",
        "pct_met",
        "p50_seconds",
        "p90_seconds",
    }
    # then the counts equal what the tickets API shows for each ticket's clocks
    shown: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for ticket in scenario.tickets.values():
        body = client.get(f"/api/v1/tickets/{ticket.pk}/").json()
        for clock in body["sla"]:
            if clock["state"] == "cancelled":
                continue
            key = (
                body["organization"]["id"]
                if isinstance(body["organization"], dict)
                else body["organization"],
                body["priority"],
                clock["metric"],
            )
            shown[key]["tickets"] += 1
            shown[key][{"met": "met", "breached": "breached"}.get(clock["state"], "running")] += 1
    got = {(r["organization"], r["priority"], r["metric"]): r for r in rows}
    assert set(got) == set(shown)
    for key, counts in shown.items():
        for name in ("tickets", "met", "breached", "running"):
            assert got[key][name] == counts.get(name, 0), (key, name)
        decided = got[key]["met"] + got[key]["breached"]
        assert got[key]["pct_met"] == (
            round(100 * got[key]["met"] / decided, 1) if decided else None
        )


def test_api_is_for_agents_only(scenario, client_for, make_contact):
    # given a contact with a login and an anonymous caller
    contact = make_contact(scenario.orgs[0], "boss@acme.example", login=True)
    params = {"from": "2026-10-01", "to": "2026-12-01"}
    # then neither may read attainment
    assert client_for(contact.user).get(URL, params).status_code == 403
    assert client_for(None).get(URL, params).status_code in (401, 403)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"to": "2026-12-01"}, "from"),
        ({"from": "2026-13-01", "to": "2026-12-01"}, "from"),
        ({"from": "2026-12-01", "to": "2026-11-01"}, "to"),
        ({"from": "2020-01-01", "to": "2026-12-01"}, "to"),
        ({"from": "2026-10-01", "to": "2026-12-01", "group_by": "organization,colour"}, "group_by"),
    ],
)
def test_api_bad_input_names_the_problem(scenario, client_for, params, field):
    res = client_for(scenario.agent).get(URL, params)
    assert res.status_code == 400
    assert field in res.content.decode()


def test_api_reports_every_bad_parameter_at_once(scenario, client_for):
    # when both dates and the grouping are wrong
    res = client_for(scenario.agent).get(URL, {"from": "2026-13-01", "group_by": "colour"})
    # then one 400 names all three
    assert res.status_code == 400
    fields = res.json()["error"]["fields"]
    assert set(fields) == {"from", "to", "group_by"}
    assert "unknown group_by colour" in fields["group_by"][0]


def test_api_groups_by_month_and_team(scenario, client_for):
    res = client_for(scenario.agent).get(
        URL, {"from": "2026-10-01", "to": "2026-12-01", "group_by": "month,team"}
    )
    rows = res.json()["rows"]
    assert {r["month"] for r in rows} == {"2026-10", "2026-11"}
    assert scenario.team.pk in {r["team"] for r in rows}
    total = (
        client_for(scenario.agent)
        .get(URL, {"from": "2026-10-01", "to": "2026-12-01", "group_by": "metric"})
        .json()
    )
    assert sum(r["tickets"] for r in rows) == sum(r["tickets"] for r in total["rows"])


def test_periods_cut_years_quarters_months_days():
    from sladesk.reports.attainment import periods

    # a year from mid-December: days, then whole 2026 when today is inside it and to is after today
    got = periods(date(2025, 12, 4), date(2026, 12, 5), date(2026, 12, 4))
    assert got == [
        ("day", date(2025, 12, 4), date(2026, 1, 1)),
        ("year", date(2026, 1, 1), date(2027, 1, 1)),
    ]
    # without today's rule: quarters and months and an edge of days
    assert periods(date(2026, 1, 1), date(2026, 8, 10)) == [
        ("quarter", date(2026, 1, 1), date(2026, 4, 1)),
        ("quarter", date(2026, 4, 1), date(2026, 7, 1)),
        ("month", date(2026, 7, 1), date(2026, 8, 1)),
        ("day", date(2026, 8, 1), date(2026, 8, 10)),
    ]
    assert periods(date(2026, 1, 1), date(2026, 4, 1), coarse=False) == [
        ("month", date(2026, m, 1), date(2026, m + 1, 1)) for m in (1, 2, 3)
    ]


def test_percentiles_in_one_pass_equal_percentile():
    h: dict[str, int] = {}
    for v in (0, 3, 3, 40, 41, 500, 7000, 7000, 7001, 90000):
        histogram.add(h, v)
    merged = histogram.merge([h])
    for qs in ((0.5, 0.9), (0.1, 0.5, 1.0)):
        assert histogram.percentiles(h, qs) == [histogram.percentile(merged, q) for q in qs]
    assert histogram.percentiles({}, (0.5,)) == [None]
