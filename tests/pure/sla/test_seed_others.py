"""Worked examples for seeds 002 (esper), 003 (houseware) and 004 (freistilbox).

Every expected instant was computed by hand; the computation is in the comment above it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from sladesk.sla import Policy

Seed = Callable[[str], Policy]


def at(text: str) -> datetime:
    """An aware instant from ISO 8601 text with an offset."""
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


# ------------------------------------------------------------------------------ esper

# (priority, plan, metric, business hours) straight from the seed's two tables, with
# "twice per business day" = 4 h, "every day" = 1 business day = 8 h, "every two business
# days" = 16 h, "twice per week" = 20 h, "weekly" = 40 h, "every two weeks" = 80 h.
ESPER = [
    ("Sev1", "premium", "first_response", 4),
    ("Sev1", "standard", "first_response", 4),
    ("Sev1", "self_service", "first_response", 8),
    ("Sev2", "premium", "first_response", 4),
    ("Sev2", "standard", "first_response", 8),
    ("Sev2", "self_service", "first_response", 8),
    ("Sev3", "premium", "first_response", 8),
    ("Sev3", "standard", "first_response", 8),
    ("Sev3", "self_service", "first_response", 16),
    ("Sev4", "premium", "first_response", 16),
    ("Sev4", "standard", "first_response", 16),
    ("Sev4", "self_service", "first_response", 24),
    ("Sev2", "premium", "next_update", 4),
    ("Sev2", "standard", "next_update", 8),
    ("Sev2", "self_service", "next_update", 16),
    ("Sev3", "premium", "next_update", 8),
    ("Sev3", "standard", "next_update", 8),
    ("Sev3", "self_service", "next_update", 20),
    ("Sev4", "premium", "next_update", 40),
    ("Sev4", "standard", "next_update", 40),
    ("Sev4", "self_service", "next_update", 80),
]


@pytest.mark.parametrize(("priority", "plan", "metric", "hours"), ESPER)
def test_esper_targets_per_plan(
    seed: Seed, priority: str, plan: str, metric: str, hours: int
) -> None:
    # given esper / when the targets of a plan are asked / then the business hours match
    target = seed("esper").targets(priority, plan=plan)[metric]
    assert target.business and target.calendar_name == "pacific"
    assert target.work == timedelta(hours=hours)
    assert target.pauses_when_pending == (metric == "next_update")


@pytest.mark.parametrize("plan", ["premium", "standard", "self_service"])
def test_esper_sev1_follow_up_is_continuous(seed: Seed, plan: str) -> None:
    # given a Sev1 ticket / then next_update is flagged continuous, with no timer
    p = seed("esper")
    target = p.targets("Sev1", plan=plan)["next_update"]
    assert target.continuous and target.due(at("2026-11-30T09:00-08:00")) is None
    assert "Continuous work until resolution" in target.text
    assert set(p.due("Sev1", at("2026-11-30T09:00-08:00"), plan=plan)) == {"first_response"}


@pytest.mark.parametrize(
    ("priority", "plan", "start", "metric", "due"),
    [
        # twice per week = 20 h from Mon 30 Nov 2026 09:00: Mon 8, Tue 8, Wed 4 -> Wed 13:00
        ("Sev3", "self_service", "2026-11-30T09:00-08:00", "next_update", "2026-12-02T13:00-08:00"),
        # every two weeks = 80 h from Mon 14 Dec 2026 09:00: 14-18 Dec 40 h, 21-24 Dec 32 h,
        # Fri 25 Dec Christmas closed, Mon 28 Dec 8 h -> Mon 28 Dec 17:00
        ("Sev4", "self_service", "2026-12-14T09:00-08:00", "next_update", "2026-12-28T17:00-08:00"),
        # premium Sev2 twice per business day: Wed 25 Nov 16:00: 1 h Wed, Thanksgiving,
        # Fri 09:00 + 3 h -> Fri 27 Nov 12:00
        ("Sev2", "premium", "2026-11-25T16:00-08:00", "next_update", "2026-11-27T12:00-08:00"),
        # default plan is standard: Sev2 first response 8 h from Mon 30 Nov 13:00:
        # Mon 4 h, Tue 09:00 + 4 h -> Tue 1 Dec 13:00
        ("Sev2", None, "2026-11-30T13:00-08:00", "first_response", "2026-12-01T13:00-08:00"),
    ],
)
def test_esper_worked_examples(
    seed: Seed, priority: str, plan: str | None, start: str, metric: str, due: str
) -> None:
    assert seed("esper").due(priority, at(start), plan=plan)[metric] == at(due)


@pytest.mark.parametrize(
    ("priority", "devices", "expected"),
    [("Sev4", 500, "Sev2"), ("Sev3", 10_000, "Sev2"), ("Sev4", 499, "Sev4"), ("Sev1", 900, "Sev1")],
)
def test_esper_500_devices_is_at_least_sev2(
    seed: Seed, priority: str, devices: int, expected: str
) -> None:
    # given a ticket with devices_affected / when rules apply / then a floor of Sev2
    outcome = seed("esper").apply_rules(priority, {"devices_affected": devices}, set_by="agent")
    assert outcome.priority == expected
    assert ("devices-500-plus" in outcome.tags) == (devices >= 500)
    if expected != priority:
        assert outcome.reasons[0].startswith(f"Priority raised to Sev2 (was {priority})")


# -------------------------------------------------------------------------- houseware


@pytest.mark.parametrize(
    ("priority", "due"),
    [
        # Fri 27 Nov 2026 18:30Z + 24 / 36 / 48 / 72 h, weekends included (24x7)
        ("P0", "2026-11-28T18:30+00:00"),
        ("P1", "2026-11-29T06:30+00:00"),
        ("P2", "2026-11-29T18:30+00:00"),
        ("P3", "2026-11-30T18:30+00:00"),
    ],
)
def test_houseware_24x7_first_response(seed: Seed, priority: str, due: str) -> None:
    assert seed("houseware").due(priority, at("2026-11-27T18:30+00:00")) == {
        "first_response": at(due)
    }


def test_houseware_only_the_team_sets_priority(seed: Seed) -> None:
    # given houseware / when a customer asks for P0 / then it is ignored (default P2)
    p = seed("houseware")
    outcome = p.apply_rules("P0", {}, set_by="customer")
    assert outcome.priority == "P2"
    assert "only the support team sets the priority" in outcome.reasons[0]
    # when an agent sets P0 / then it stands
    assert p.apply_rules("P0", {}, set_by="agent").priority == "P0"


def test_houseware_escalation_uptime_paging(seed: Seed) -> None:
    p = seed("houseware")
    assert [(e.level, e.role) for e in p.escalation] == [
        (1, "Customer Happiness Manager"),
        (2, "Head of Customer Experience"),
        (3, "Chief Executive Officer"),
    ]
    assert p.uptime_target == 99.5
    assert p.paging.on_create == frozenset({"P0"})
    assert not p.customer_may_set_priority
    # 24x7: Sunday 03:00 is business hours
    assert p.is_business_hours(at("2026-11-29T03:00+00:00"))
    assert p.calendars["always"].business_day == timedelta(hours=24)


# ------------------------------------------------------------------------ freistilbox


@pytest.mark.parametrize(
    ("priority", "plan", "start", "due"),
    [
        # standard urgent: 30 min calendar time even on Saturday
        ("urgent", "standard", "2026-11-28T10:00+01:00", "2026-11-28T10:30+01:00"),
        # standard normal: 1 business day = 12 h (08-20). Fri 27 Nov 19:30: 30 min Fri,
        # Mon 30 Nov 08:00 + 11 h 30 -> 19:30
        ("normal", "standard", "2026-11-27T19:30+01:00", "2026-11-30T19:30+01:00"),
        # EU spring forward Sun 29 Mar 2026. standard high 4 business h from Fri 27 Mar 18:00 CET:
        # Fri 2 h; Mon 30 Mar 08:00 CEST + 2 h = 10:00 +02:00
        ("high", "standard", "2026-03-27T18:00+01:00", "2026-03-30T10:00+02:00"),
        # enterprise high 4 h calendar from Sat 28 Mar 23:30 CET (22:30Z) -> 02:30Z = 04:30 CEST
        ("high", "enterprise", "2026-03-28T23:30+01:00", "2026-03-29T04:30+02:00"),
        # EU fall back Sun 25 Oct 2026: enterprise normal 24 h from Sat 24 Oct 12:00 CEST (10:00Z)
        # -> Sun 10:00Z = 11:00 CET
        ("normal", "enterprise", "2026-10-24T12:00+02:00", "2026-10-25T11:00+01:00"),
        # standard low 3 business days = 36 h from Fri 23 Oct 08:00 CEST: Fri 12, Mon 12, Tue 12
        # -> Tue 27 Oct 20:00 CET (closing time)
        ("low", "standard", "2026-10-23T08:00+02:00", "2026-10-27T20:00+01:00"),
        # enterprise low 72 h from Fri 27 Nov 19:30 CET -> Mon 30 Nov 19:30
        ("low", "enterprise", "2026-11-27T19:30+01:00", "2026-11-30T19:30+01:00"),
    ],
)
def test_freistilbox_first_response(
    seed: Seed, priority: str, plan: str, start: str, due: str
) -> None:
    got = seed("freistilbox").due(priority, at(start), plan=plan)["first_response"]
    assert got == at(due) and got.utcoffset() == at(due).utcoffset()


@pytest.mark.parametrize("plan", ["standard", "enterprise"])
def test_freistilbox_dispatch_on_office_calendar_pages_on_breach(seed: Seed, plan: str) -> None:
    # given a ticket at Wed 25 Nov 22:30 CET (out of hours), either plan
    p = seed("freistilbox")
    target = p.targets("low", plan=plan)["dispatch"]
    # then dispatch counts 1 business hour of the office: Thu 26 Nov 08:00 + 1 h
    assert target.calendar_name == "office" and target.page_on_breach
    assert target.due(at("2026-11-25T22:30+01:00")) == at("2026-11-26T09:00+01:00")
    assert p.paging.on_breach == frozenset({"dispatch"})


@pytest.mark.parametrize(
    ("priority", "start", "pages"),
    [
        ("normal", "2026-11-25T12:00+01:00", 0),  # Wed noon: office open
        ("normal", "2026-11-25T20:00+01:00", 1),  # closing instant is out of hours
        ("normal", "2026-11-28T10:00+01:00", 1),  # Saturday
        ("urgent", "2026-11-25T12:00+01:00", 1),  # urgent pages on creation
        ("urgent", "2026-11-29T03:00+01:00", 2),  # both reasons
    ],
)
def test_freistilbox_out_of_hours_pages_on_call(
    seed: Seed, priority: str, start: str, pages: int
) -> None:
    assert len(seed("freistilbox").pages_on_create(priority, at(start))) == pages


def test_freistilbox_business_hours_per_plan(seed: Seed) -> None:
    p = seed("freistilbox")
    saturday = at("2026-11-28T10:00+01:00")
    assert not p.is_business_hours(saturday, plan="standard")
    assert p.is_business_hours(saturday, plan="enterprise")
    assert p.calendars["office"].business_day == timedelta(hours=12)
