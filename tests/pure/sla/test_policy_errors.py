"""Broken policy files fail with ``path:line: what is wrong`` (`load_policy`)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sladesk.sla import PolicyError, load_policy, load_policy_text

GOOD = """\
name: tiny
title: Tiny policy
calendars:
  office:
    timezone: Europe/Berlin
    hours: {mon-fri: "09:00-17:00"}
priorities:
  - {key: P1, name: Urgent}
  - {key: P2, name: Normal}
default_priority: P2
targets:
  - {priority: P1, first_response: 1 hour}
  - {priority: P2, first_response: 1 business day}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "broken.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_good_example_loads() -> None:
    # given a small valid file / when loaded / then it works
    policy = load_policy_text(GOOD, source="tiny.yaml")
    assert policy.name == "tiny"
    assert policy.calendars["office"].business_day.total_seconds() == 8 * 3600


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        # an unknown key is named, on its own line
        (
            "    timezone: Europe/Berlin\n",
            "    timezone: Europe/Berlin\n    colour: red\n",
            6,
            "unknown key 'colour'",
        ),
        # a bad zone points at the timezone key
        ("Europe/Berlin", "Europe/Bärlin", 5, "unknown time zone"),
        # a bad duration points at the target
        ("first_response: 1 business day", "first_response: 1 fortnight", 13, "'1 fortnight'"),
        # a target for a priority the policy does not declare
        (
            "{priority: P2, first_response",
            "{priority: P9, first_response",
            13,
            "unknown priority 'P9'",
        ),
        # bad hours
        ('"09:00-17:00"', '"09:00-17:99"', 6, "not a time of day"),
        # an unknown weekday key
        ('{mon-fri: "09:00-17:00"}', '{mon-fry: "09:00-17:00"}', 6, "not a weekday"),
        # unquoted 17:00 is a YAML 1.1 sexagesimal integer, not a string
        ('{mon-fri: "09:00-17:00"}', "{mon-fri: 17:00}", 6, "valid string"),
        # default_priority must be one of the priorities
        ("default_priority: P2", "default_priority: P7", 10, "unknown priority 'P7'"),
        # an unknown key inside a full-form target (not "should be a string")
        (
            "{priority: P1, first_response: 1 hour}",
            "{priority: P1, first_response: {within: 1 hour, bogus: 1}}",
            12,
            "targets.0.first_response: unknown key 'bogus'",
        ),
        # a duplicate key
        ("title: Tiny policy\n", "title: Tiny policy\ntitle: Again\n", 3, "duplicate key 'title'"),
        # a missing required key is reported at its parent
        ("default_priority: P2\n", "", 1, "missing required key 'default_priority'"),
        # wrong type
        (
            "  - {key: P1, name: Urgent}",
            "  - {key: P1, name: Urgent, page_on_create: maybe}",
            8,
            "page_on_create",
        ),
    ],
)
def test_errors_name_file_line_and_problem(
    tmp_path: Path, old: str, new: str, line: int, words: str
) -> None:
    # given the good file with one mistake
    assert old in GOOD
    path = _write(tmp_path, GOOD.replace(old, new, 1))
    # when loaded
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    # then the message is path:line: ... and says what is wrong
    message = str(info.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message
    assert info.value.line == line and info.value.file == str(path)


def test_unknown_calendar_in_region_is_located(tmp_path: Path) -> None:
    # given a region that names a calendar that does not exist (line 12)
    path = _write(tmp_path, GOOD + "regions:\n  emea: {calendar: london}\n")
    # when / then
    with pytest.raises(
        PolicyError, match=r"broken.yaml:15: unknown calendar 'london'; known: office"
    ):
        load_policy(path)


def test_unknown_plan_in_target_row_is_located(tmp_path: Path) -> None:
    # given a plans section and a row naming another plan
    text = GOOD + "plans:\n  gold: {name: Gold}\n"
    text = text.replace(
        "{priority: P1, first_response", "{priority: P1, plan: silver, first_response"
    )
    path = _write(tmp_path, text)
    # when / then
    with pytest.raises(PolicyError, match=r":12: unknown plan 'silver'; known: gold"):
        load_policy(path)


def test_yaml_syntax_error_has_a_line(tmp_path: Path) -> None:
    # given a file with an unclosed flow mapping on line 6
    path = _write(tmp_path, GOOD.replace('{mon-fri: "09:00-17:00"}', '{mon-fri: "09:00-17:00"'))
    # when / then
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    assert "YAML syntax error" in str(info.value)
    assert info.value.line is not None and 6 <= info.value.line <= 8


def test_rule_with_two_actions_is_rejected(tmp_path: Path) -> None:
    # given a rule that both caps and floors (line 15)
    rule = "rules:\n  - when: {x: 1}\n    cap_priority: P2\n    floor_priority: P1\n    reason: r\n"
    path = _write(tmp_path, GOOD + rule)
    with pytest.raises(PolicyError, match=r":15: rules.0: give exactly one of"):
        load_policy(path)


def test_duplicate_target_rows_are_rejected(tmp_path: Path) -> None:
    # given two rows for the same selectors and metric
    path = _write(tmp_path, GOOD + "  - {priority: P2, first_response: 2 hours}\n")
    with pytest.raises(PolicyError, match=r":14: repeats targets of the row on line 13"):
        load_policy(path)


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "the file is empty"), ("- a\n- b\n", "must be a mapping")],
)
def test_not_a_policy_at_all(text: str, words: str) -> None:
    with pytest.raises(PolicyError, match=words):
        load_policy_text(text, source="x.yaml")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="no such policy file"):
        load_policy(tmp_path / "nope.yaml")
