"""Worked examples for the Particle seeds 000 (particle-enterprise) and 001 (accelerator).

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


def test_enterprise_calendars_regions_and_priorities(seed: Seed) -> None:
    # given the particle-enterprise policy / then its shape matches seed 000
    p = seed("particle-enterprise")
    assert p.name == "particle-enterprise"
    assert set(p.calendars) == {"na", "emea"}
    assert p.calendars["na"].timezone == "America/Los_Angeles"
    assert p.calendars["emea"].timezone == "Europe/London"
    assert p.default_region == "na" and p.plans == {} and p.default_plan is None
    assert [x.key for x in p.priorities] == ["P1", "P2", "P3", "P4"]
    assert p.paging.on_create == frozenset({"P1"})
    assert len(p.digest) == 64 and "particle-enterprise" in p.source_text


@pytest.mark.parametrize(
    ("priority", "region", "start", "metric", "due"),
    [
        # Thanksgiving: Wed 25 Nov 16:30-17:00 = 30 min; Thu 26 Nov closed;
        # Fri 27 Nov 09:00 + 3 h 30 = 12:30 PST
        ("P2", "na", "2026-11-25T16:30-08:00", "first_response", "2026-11-27T12:30-08:00"),
        # 2 business days = 16 h: Wed 0.5 + Fri 8 + Mon 7.5 -> Mon 30 Nov 16:30
        ("P2", "na", "2026-11-25T16:30-08:00", "resolution", "2026-11-30T16:30-08:00"),
        # US spring forward Sun 8 Mar 2026: Fri 6 Mar 15:00-17:00 PST = 2 h;
        # Mon 9 Mar 09:00 PDT + 2 h = 11:00 PDT (-07:00)
        ("P2", "na", "2026-03-06T15:00-08:00", "first_response", "2026-03-09T11:00-07:00"),
        # US fall back Sun 1 Nov 2026: Fri 30 Oct 16:00-17:00 PDT = 1 h; Mon 2 Nov 09:00 PST + 3 h
        ("P2", "na", "2026-10-30T16:00-07:00", "first_response", "2026-11-02T12:00-08:00"),
        # Easter (England 2027: Good Friday 26 Mar, Easter Monday 29 Mar; BST from Sun 28 Mar):
        # Thu 25 Mar 15:00-17:00 GMT = 2 h; Fri, Sat, Sun, Mon closed; Tue 30 Mar 09:00 BST + 2 h
        ("P2", "emea", "2027-03-25T15:00+00:00", "first_response", "2027-03-30T11:00+01:00"),
        # Christmas run (England 2027: 25/26 Dec on Sat/Sun, observed Mon 27 and Tue 28):
        # P3 2 business days = 16 h: Fri 24 Dec 09:00-17:00 = 8 h; Mon 27, Tue 28 closed;
        # Wed 29 Dec 09:00-17:00 = 8 h -> due Wed 29 Dec 17:00 GMT (a closing time, not Thu 09:00)
        ("P3", "emea", "2027-12-24T09:00+00:00", "first_response", "2027-12-29T17:00+00:00"),
        # the same ticket in NA: US observes Christmas 2027 on Fri 24 Dec, so:
        # Fri closed; Mon 27 8 h; Tue 28 8 h -> Tue 28 Dec 17:00 PST
        ("P3", "na", "2027-12-24T09:00-08:00", "first_response", "2027-12-28T17:00-08:00"),
        # P4 resolution 7 business days = 56 h from Mon 30 Nov 2026 09:00:
        # Mon-Fri (40 h) + Mon 7 Dec, Tue 8 Dec (16 h) -> Tue 8 Dec 17:00
        ("P4", "na", "2026-11-30T09:00-08:00", "resolution", "2026-12-08T17:00-08:00"),
    ],
)
def test_enterprise_business_time_worked_examples(
    seed: Seed, priority: str, region: str, start: str, metric: str, due: str
) -> None:
    # given particle-enterprise / when a ticket opens / then the target is due as hand-computed
    got = seed("particle-enterprise").due(priority, at(start), region=region)[metric]
    assert got == at(due)
    assert got.utcoffset() == at(due).utcoffset()  # shown in the region's local zone


@pytest.mark.parametrize(
    ("start", "metric", "due"),
    [
        # P1 is calendar time: Sat 28 Nov 10:00 PST + 1 h = 11:00 Sat (weekend or not)
        ("2026-11-28T10:00-08:00", "first_response", "2026-11-28T11:00-08:00"),
        # + 2 days = 48 h -> Mon 30 Nov 10:00
        ("2026-11-28T10:00-08:00", "resolution", "2026-11-30T10:00-08:00"),
        # spring forward: Sun 8 Mar 2026 01:30 PST + 1 h absolute = 03:30 PDT (02:xx never happens)
        ("2026-03-08T01:30-08:00", "first_response", "2026-03-08T03:30-07:00"),
        # Sat 7 Mar 12:00 PST + 48 h = Mon 9 Mar 20:00 UTC = 13:00 PDT
        ("2026-03-07T12:00-08:00", "resolution", "2026-03-09T13:00-07:00"),
        # fall back: Sat 31 Oct 12:00 PDT + 48 h = Mon 2 Nov 19:00 UTC = 11:00 PST
        ("2026-10-31T12:00-07:00", "resolution", "2026-11-02T11:00-08:00"),
    ],
)
def test_enterprise_p1_is_calendar_time(seed: Seed, start: str, metric: str, due: str) -> None:
    # given a P1 ticket / when due is asked / then calendar time applies, exact across DST
    assert seed("particle-enterprise").due("P1", at(start))[metric] == at(due)


def test_enterprise_p1_resolution_is_met_by_downgrade(seed: Seed) -> None:
    # given P1 targets / then resolution is met by de-escalation to P2 and runs on 24x7
    targets = seed("particle-enterprise").targets("P1")
    assert targets["resolution"].met_by_downgrade_to == "P2"
    assert targets["resolution"].work == timedelta(days=2)
    assert targets["resolution"].calendar_name == "24x7"
    assert not targets["resolution"].business


def test_london_fall_back_repeated_hour(seed: Seed) -> None:
    # given an EMEA P1 at Sun 25 Oct 2026 01:30 BST (00:30 UTC), the first of two 01:30s
    # when 1 h calendar time is added / then it is 01:30 UTC = the second 01:30, GMT
    # (PEP 495: an ambiguous local time never compares == across zones, so compare instants)
    due = seed("particle-enterprise").due("P1", at("2026-10-25T01:30+01:00"), region="emea")
    got = due["first_response"]
    assert got.timestamp() == at("2026-10-25T01:30+00:00").timestamp()
    assert (got.hour, got.minute, got.fold, got.tzname()) == (1, 30, 1, "GMT")


@pytest.mark.parametrize(
    ("region", "start", "metric", "due"),
    [
        # P1 is business time here: Sat 28 Nov -> clock starts Mon 30 Nov 09:00 PST + 1 h
        ("na", "2026-11-28T10:00-08:00", "first_response", "2026-11-30T10:00-08:00"),
        ("latam", "2026-11-28T10:00-08:00", "first_response", "2026-11-30T10:00-08:00"),
        # EMEA is GMT all year (UTC): in July 09:00 GMT is 10:00 in London.
        # Wed 1 Jul 2026 16:30Z: 30 min Wed, Thu 2 Jul 09:00Z + 30 min
        ("emea", "2026-07-01T16:30+00:00", "first_response", "2026-07-02T09:30+00:00"),
        # APAC Brisbane (AEST, +10 all year): Mon 25 Jan 2027 15:00-17:00 = 2 h; Tue 26 Jan
        # Australia Day closed; Wed 27 Jan 09:00 + 2 h = 11:00 +10:00 -- for a P2 (4 h).
        # (P1 1 h: Mon 15:00 + 1 h = 16:00)
        ("apac", "2027-01-25T15:00+10:00", "first_response", "2027-01-25T16:00+10:00"),
        # P1 de-escalation 2 business days (16 h) from Mon 25 Jan 15:00 Brisbane:
        # Mon 2 h, Tue closed, Wed 8 h, Thu 6 h -> Thu 28 Jan 15:00 +10:00
        ("apac", "2027-01-25T15:00+10:00", "resolution", "2027-01-28T15:00+10:00"),
        # Sydney starts DST on Sun 4 Oct 2026; Brisbane does not: Fri 2 Oct 16:30 AEST:
        # 30 min Fri, Mon 5 Oct 09:00 +10:00 + 30 min (QLD King's Birthday is not national)
        ("apac", "2026-10-02T16:30+10:00", "first_response", "2026-10-05T09:30+10:00"),
    ],
)
def test_accelerator_p1_in_business_time_per_region(
    seed: Seed, region: str, start: str, metric: str, due: str
) -> None:
    # given particle-accelerator / when a P1 opens / then the region's business calendar counts
    got = seed("particle-accelerator").due("P1", at(start), region=region)[metric]
    assert got == at(due)
    assert got.utcoffset() == at(due).utcoffset()


def test_accelerator_p2_brisbane_australia_day(seed: Seed) -> None:
    # Mon 25 Jan 2027 15:00-17:00 = 2 h; Tue 26 Jan (Australia Day) closed; Wed 09:00 + 2 h
    due = seed("particle-accelerator").due("P2", at("2027-01-25T15:00+10:00"), region="apac")
    assert due["first_response"] == at("2027-01-27T11:00+10:00")


def test_accelerator_terms(seed: Seed) -> None:
    # given particle-accelerator / then the contract facts of seed 001 are recorded
    p = seed("particle-accelerator")
    assert set(p.regions) == {"na", "latam", "emea", "apac"}
    assert p.calendars["gmt"].timezone == "UTC"
    assert p.calendars["aest"].timezone == "Australia/Brisbane"
    assert p.customer_may_set_priority and p.priority_change_notifies_customer
    assert p.paging.on_create == frozenset({"P1"})
    assert p.contract is not None
    assert p.contract.max_terms == 3
    assert p.contract.account_manager == "Technical Account Manager"
    assert len(p.contract.exclusions) >= 10
    assert p.targets("P1")["resolution"].met_by_downgrade_to == "P2"


@pytest.mark.parametrize("name", ["particle-enterprise", "particle-accelerator"])
@pytest.mark.parametrize(
    ("priority", "fields", "expected"),
    [
        ("P1", {"device_os_supported": False}, "P2"),  # unsupported Device OS: at most P2
        ("P1", {"environment": "Development"}, "P2"),
        ("P1", {"environment": "testing"}, "P2"),
        ("P1", {"environment": "production"}, "P1"),
        ("P1", {"device_os_supported": True}, "P1"),
        ("P1", {}, "P1"),  # unknown Device OS: no cap
        ("P3", {"device_os_supported": False}, "P3"),  # a cap never raises
        ("P4", {"environment": "testing"}, "P4"),
    ],
)
def test_particle_cap_rules(
    seed: Seed, name: str, priority: str, fields: dict[str, object], expected: str
) -> None:
    # given a customer-set priority and ticket fields / when rules apply / then at most P2
    outcome = seed(name).apply_rules(priority, fields, set_by="customer")
    assert outcome.priority == expected
    assert bool(outcome.reasons) == (expected != priority)
    if expected != priority:
        assert "capped at P2 (was P1)" in outcome.reasons[0]
