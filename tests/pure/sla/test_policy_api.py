"""The `Policy` API other parts of sladesk code against: priorities, plans, targets, rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from sladesk.sla import (
    NaiveDatetimeError,
    Policy,
    UnknownPlanError,
    UnknownPriorityError,
    UnknownRegionError,
    load_policy_text,
)

Seed = Callable[[str], Policy]


def at(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


@pytest.mark.parametrize(
    ("name", "text", "key"),
    [
        ("particle-enterprise", "P1", "P1"),
        ("particle-enterprise", "[P1]", "P1"),
        ("particle-enterprise", "p1", "P1"),
        ("particle-enterprise", "Priority 1", "P1"),
        ("particle-enterprise", "urgent", "P1"),
        ("particle-enterprise", " [p4] ", "P4"),
        ("esper", "Sev2", "Sev2"),
        ("esper", "severity 2", "Sev2"),
        ("esper", "P2", "Sev2"),  # numbered forms match across prefixes
        ("houseware", "p0", "P0"),
        ("freistilbox", "URGENT", "urgent"),
        ("freistilbox", "Normal", "normal"),
    ],
)
def test_resolve_priority_is_tolerant(seed: Seed, name: str, text: str, key: str) -> None:
    # given how people write a priority / when resolved / then the policy's key
    assert seed(name).resolve_priority(text) == key


def test_unknown_priority_lists_the_known_ones(seed: Seed) -> None:
    with pytest.raises(UnknownPriorityError) as info:
        seed("esper").resolve_priority("Sev9")
    assert (
        str(info.value) == "unknown priority 'Sev9' for policy esper; known: Sev1, Sev2, Sev3, Sev4"
    )


def test_rank_orders_most_urgent_first(seed: Seed) -> None:
    p = seed("houseware")
    assert [p.rank(k) for k in ("P0", "P1", "P2", "P3")] == [0, 1, 2, 3]


def test_unknown_plan_and_region(seed: Seed) -> None:
    p = seed("esper")
    with pytest.raises(
        UnknownPlanError, match="unknown plan 'gold' for policy esper; known: premium"
    ):
        p.targets("Sev1", plan="gold")
    with pytest.raises(UnknownRegionError, match="no regions"):
        p.targets("Sev1", region="emea")


def test_defaults(seed: Seed) -> None:
    esper = seed("esper")
    assert esper.default_plan == "standard" and esper.default_priority == "Sev3"
    assert esper.warn_at == 0.75
    assert esper.pause_when_pending == frozenset({"resolution", "next_update"})
    assert esper.plans["self_service"].name == "Free Trial / Self-Service"


def test_target_due_subtracts_used_time(seed: Seed) -> None:
    # given a P2 first response (4 business hours) of which 3 h are used
    target = seed("particle-enterprise").targets("P2")["first_response"]
    start = at("2026-11-30T09:00-08:00")
    # when due is asked / then 1 business hour remains: Mon 10:00
    assert target.due(start, used=timedelta(hours=3)) == at("2026-11-30T10:00-08:00")
    # when more than the target is used / then it is due at once
    assert target.due(start, used=timedelta(hours=9)) == start
    assert target.warn_at == 0.75 and target.text == "4 business hours"


def test_naive_instants_are_rejected(seed: Seed) -> None:
    with pytest.raises(NaiveDatetimeError):
        seed("esper").due("Sev1", datetime(2026, 11, 30, 9, 0))  # noqa: DTZ001 (on purpose)


@pytest.mark.parametrize(
    ("set_by", "priority", "expected", "reason_words"),
    [
        ("customer", None, "P3", "No priority given"),
        ("agent", None, "P3", "No priority given"),
        ("customer", "P1", "P1", None),
        ("system", "Priority 2", "P2", None),
    ],
)
def test_apply_rules_defaults(
    seed: Seed, set_by: str, priority: str | None, expected: str, reason_words: str | None
) -> None:
    outcome = seed("particle-enterprise").apply_rules(priority, {}, set_by=set_by)
    assert outcome.priority == expected
    assert outcome.reasons == [] if reason_words is None else reason_words in outcome.reasons[0]


def test_apply_rules_rejects_unknown_setter(seed: Seed) -> None:
    with pytest.raises(ValueError, match="set_by"):
        seed("esper").apply_rules("Sev1", {}, set_by="robot")


RULES = """\
name: rules
title: Rules
calendars: {office: {timezone: UTC, hours: {daily: "00:00-24:00"}}}
priorities: [{key: P1, name: A}, {key: P2, name: B}, {key: P3, name: C}]
default_priority: P3
targets: [{first_response: 1 hour}]
rules:
  - {when: {vip: true}, set_priority: P1, reason: VIPs, tag: vip}
  - {when: {env: {ne: production}, seats: {lt: 10}}, cap_priority: P2, reason: small test setups}
  - {when: {tier: {not_in: [free]}, seats: {gt: 1000}}, floor_priority: P2, reason: big fleets}
"""


@pytest.mark.parametrize(
    ("priority", "fields", "expected"),
    [
        ("P3", {"vip": True}, "P1"),
        ("P1", {"env": "staging", "seats": 5}, "P2"),
        ("P1", {"env": "production", "seats": 5}, "P1"),
        ("P1", {"env": "staging"}, "P1"),  # all conditions must hold; missing field -> false
        ("P3", {"tier": "pro", "seats": 5000}, "P2"),
        ("P3", {"tier": "free", "seats": 5000}, "P3"),
        ("P3", {"seats": "many"}, "P3"),  # incomparable values never match
        ("P3", {"vip": True, "env": "dev", "seats": 1}, "P2"),  # rules apply in file order
    ],
)
def test_rule_operators(priority: str, fields: dict[str, object], expected: str) -> None:
    policy = load_policy_text(RULES, source="rules.yaml")
    assert policy.apply_rules(priority, fields, set_by="agent").priority == expected


def test_row_without_selectors_applies_to_all_and_specific_rows_win() -> None:
    # given a catch-all row and a P1 row for the same metric
    text = RULES.replace(
        "targets: [{first_response: 1 hour}]",
        "targets: [{first_response: 1 hour}, {priority: P1, first_response: 10 minutes}]",
    )
    policy = load_policy_text(text, source="rows.yaml")
    # then P1 gets its own row, the others the catch-all
    assert policy.targets("P1")["first_response"].work == timedelta(minutes=10)
    assert policy.targets("P2")["first_response"].work == timedelta(hours=1)


def test_exception_closes_early_and_digest_changes() -> None:
    # given a calendar whose 24 Dec 2026 closes at 13:00
    text = RULES.replace(
        '{office: {timezone: UTC, hours: {daily: "00:00-24:00"}}}',
        '{office: {timezone: Europe/London, hours: {mon-fri: "09:00-17:00"},'
        ' exceptions: [{date: 2026-12-24, name: Christmas Eve, closes: "13:00"}]}}',
    ).replace("{first_response: 1 hour}", "{first_response: 8 business hours}")
    policy = load_policy_text(text, source="xmas.yaml")
    # when a ticket opens Thu 24 Dec 09:00 / then 4 h that day; Fri 25 Dec is just a Friday
    # here (no holidays configured): 4 h more -> Fri 25 Dec 13:00
    due = policy.due("P1", at("2026-12-24T09:00+00:00"))
    assert due["first_response"] == at("2026-12-25T13:00+00:00")
    assert policy.digest != load_policy_text(RULES, source="rules.yaml").digest
