"""Policy-driven actions at a clock's moments (`Policy.actions_at`) and their file errors."""

from __future__ import annotations

from datetime import datetime

import pytest

from sladesk.sla import NaiveDatetimeError, PolicyError, load_policy, load_policy_text
from support.paths import DOCS, POLICIES

TINY = """\
name: tiny
title: Tiny policy
calendars:
  office:
    timezone: Europe/Berlin
    hours: {mon-fri: "09:00-17:00"}
plans:
  basic: {name: Basic}
  gold: {name: Gold}
priorities:
  - {key: P1, name: Urgent}
  - {key: P2, name: High}
  - {key: P3, name: Normal}
default_priority: P3
targets:
  - {first_response: 1 business day, resolution: 5 business days}
escalation:
  - {role: Team lead}
  - {role: Head of support}
"""


def _tiny(extra: str) -> object:
    return load_policy_text(TINY + extra, source="tiny.yaml")


def _words(actions: tuple[object, ...]) -> list[str]:
    return [a.describe() for a in actions]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "metric", "priority", "plan"),
    [
        ("particle-enterprise", "first_response", "P1", None),
        ("particle-accelerator", "resolution", "P2", None),
        ("esper", "next_update", "Sev2", "premium"),
        ("freistilbox", "first_response", "urgent", "standard"),
    ],
)
def test_seeds_without_actions_keep_the_default_notifications(
    name: str, metric: str, priority: str, plan: str | None
) -> None:
    # given a seed policy that says nothing about actions
    policy = load_policy(POLICIES / f"{name}.yaml")
    # then a warning tells the assignee and the team, a breach also the account team
    assert _words(policy.actions_at("warning", metric, priority, plan)) == ["notify assignee, team"]
    assert _words(policy.actions_at("breach", metric, priority, plan)) == [
        "notify assignee, team, account team"
    ]


def test_freistilbox_dispatch_breach_pages_on_call() -> None:
    policy = load_policy(POLICIES / "freistilbox.yaml")
    assert _words(policy.actions_at("breach", "dispatch", "normal")) == [
        "notify assignee, team, account team",
        "page on-call",
    ]
    assert _words(policy.actions_at("warning", "dispatch", "normal")) == ["notify assignee, team"]


def test_houseware_escalation_is_the_customers_a_breach_only_tells_the_account_team() -> None:
    # given Houseware (seed 003): a three-level ladder the customer may climb
    policy = load_policy(POLICIES / "houseware.yaml")
    assert [e.role for e in policy.escalation] == [
        "Customer Happiness Manager",
        "Head of Customer Experience",
        "Chief Executive Officer",
    ]
    # when a first response breaches, then the account team hears; the ladder is not climbed
    assert _words(policy.actions_at("breach", "first_response", "P1")) == [
        "notify assignee, team, account team",
    ]
    assert _words(policy.actions_at("warning", "first_response", "P1")) == ["notify assignee, team"]


def test_rows_add_to_the_defaults_and_match_their_selectors() -> None:
    policy = _tiny(
        """\
actions:
  - at: warning
    metric: resolution
    do: [{add_tag: resolution-at-risk}]
  - at: breach
    priority: [P1, P2]
    plan: gold
    do:
      - raise_priority: 1
      - page
      - notify: account_team
    reason: gold customers' breaches are raised
  - at: breach
    do: [{raise_priority: 1}, {add_tag: breached}, escalate]
"""
    )
    assert _words(policy.actions_at("warning", "resolution", "P3")) == [  # type: ignore[attr-defined]
        "notify assignee, team",
        "add tag resolution-at-risk",
    ]
    assert _words(policy.actions_at("warning", "first_response", "P3")) == [  # type: ignore[attr-defined]
        "notify assignee, team"
    ]
    gold = policy.actions_at("breach", "first_response", "High", "gold")  # type: ignore[attr-defined]
    assert _words(gold) == [
        "notify assignee, team, account team",
        "raise priority by 1 level",
        "page on-call",
        "add tag breached",
        "start the next step of the escalation ladder",
    ]
    assert gold[1].reason == "gold customers' breaches are raised"  # the first one wins
    basic = policy.actions_at("breach", "first_response", "P2", "basic")  # type: ignore[attr-defined]
    assert _words(basic) == [
        "notify assignee, team, account team",
        "raise priority by 1 level",
        "add tag breached",
        "start the next step of the escalation ladder",
    ]


def test_default_actions_false_leaves_only_the_rows() -> None:
    policy = _tiny(
        """\
default_actions: false
actions:
  - {at: breach, do: [{notify: [team]}, {raise_priority: Urgent}]}
"""
    )
    assert _words(policy.actions_at("warning", "first_response", "P3")) == []  # type: ignore[attr-defined]
    actions = policy.actions_at("breach", "first_response", "P3")  # type: ignore[attr-defined]
    assert _words(actions) == ["notify team", "raise priority to at least P1"]
    assert actions[1].key == "raise_priority:P1"


@pytest.mark.parametrize(
    ("extra", "line", "words"),
    [
        ("actions:\n  - {at: breach, do: [page, reboot]}\n", 21, "unknown action 'reboot'"),
        ("actions:\n  - {at: expiry, do: [page]}\n", 21, "'warning' or 'breach'"),
        ("actions:\n  - at: breach\n    do: [{raise_priority: P9}]\n", 22, "unknown priority 'P9'"),
        (
            "actions:\n  - at: breach\n    do: [{raise_priority: 0}]\n",
            22,
            "greater than or equal to 1",
        ),
        ("actions:\n  - at: breach\n    do: [{page: true, add_tag: x}]\n", 22, "exactly one of"),
        (
            "actions:\n  - at: breach\n    plan: platinum\n    do: [page]\n",
            22,
            "unknown plan 'platinum'",
        ),
        ("actions:\n  - at: breach\n    do: [{notify: [boss]}]\n", 22, "notify"),
        ("actions:\n  - at: breach\n    metric: uptime\n    do: [page]\n", 22, "metric"),
        ("actions:\n  - {at: breach, do: []}\n", 21, "at least 1 item"),
    ],
)
def test_bad_actions_name_file_line_and_problem(extra: str, line: int, words: str) -> None:
    with pytest.raises(PolicyError) as err:
        _tiny(extra)
    assert str(err.value).startswith(f"tiny.yaml:{line}:")
    assert words in str(err.value)


def test_escalate_without_a_ladder_is_an_error() -> None:
    text = TINY.split("escalation:")[0] + "actions:\n  - at: breach\n    do: [escalate]\n"
    with pytest.raises(PolicyError) as err:
        load_policy_text(text, source="tiny.yaml")
    assert str(err.value).startswith("tiny.yaml:19:") and "escalation ladder" in str(err.value)


def test_the_documented_example_is_a_valid_actions_block() -> None:
    # given the YAML example of docs/policy.md's actions section on Houseware (P0-P3, a ladder)
    docs = (DOCS / "policy.md").read_text(encoding="utf-8")
    section = docs.split("## `actions`", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    seed = (POLICIES / "houseware.yaml").read_text(encoding="utf-8")
    policy = load_policy_text(seed + "\n" + example, source="example.yaml")
    # then a P1 first-response breach does what the comments say, once each
    assert _words(policy.actions_at("breach", "first_response", "P1")) == [
        "notify assignee, team, account team",
        "page on-call",
        "raise priority by 1 level",
        "raise priority to at least P1",
        "add tag sla-breached",
        "start the next step of the escalation ladder",
    ]


@pytest.mark.parametrize(
    ("after", "since", "expected"),
    [
        # business time on the office calendar: Fri 15:00 + 4 business hours = Mon 11:00
        ("4 business hours", "2026-11-27T15:00:00+01:00", "2026-11-30T11:00:00+01:00"),
        # a business day is the calendar's (8 h): Fri 15:00 → Mon 15:00
        ("1 business day", "2026-11-27T15:00:00+01:00", "2026-11-30T15:00:00+01:00"),
        # calendar time ignores the office hours
        ("4 hours", "2026-11-27T15:00:00+01:00", "2026-11-27T19:00:00+01:00"),
    ],
)
def test_a_rung_after_counts_on_the_calendar_it_is_given(
    after: str, since: str, expected: str
) -> None:
    # given a ladder whose second rung is climbed by time
    text = TINY.replace(
        "  - {role: Head of support}", f"  - {{role: Head of support, after: {after}}}"
    )
    policy = load_policy_text(text, source="tiny.yaml")
    first, second = policy.escalation  # type: ignore[attr-defined]
    office = policy.calendars["office"]  # type: ignore[attr-defined]
    # then the first (no after:) never climbs by itself, the second at the expected instant
    assert first.climbs_at(datetime.fromisoformat(since), office) is None
    assert second.climbs_at(datetime.fromisoformat(since), office) == datetime.fromisoformat(
        expected
    )
    with pytest.raises(NaiveDatetimeError):
        second.climbs_at(datetime(2026, 11, 27, 15), office)  # noqa: DTZ001
