"""Priority tags, reply/forward prefixes and ticket references in subjects."""

from __future__ import annotations

import pytest

from sladesk.intake.email.subject import find_ticket_ref, split_priority_tag, split_subject, topic

PARTICLE = ["P1", "P2", "P3", "P4", "Sev1", "Sev2", "Urgent"]


@pytest.mark.parametrize(
    ("subject", "priority", "cleaned"),
    [
        ("[P1] Fleet offline", "P1", "Fleet offline"),
        ("[p2] lower case tag", "p2", "lower case tag"),
        ("[ P3 ] spaced", "P3", "spaced"),
        ("(P1) parenthesised", "P1", "parenthesised"),
        ("P4: colon form", "P4", "colon form"),
        ("[Sev2] severity alias", "Sev2", "severity alias"),
        ("[URGENT] shouting", "URGENT", "shouting"),
        ("Re: [P1] Fleet offline", "P1", "Fleet offline"),
        ("AW: WG: [P2] Weitergeleitet", "P2", "Weitergeleitet"),
        ("[P1] Re: tag before prefix", "P1", "tag before prefix"),
        ("[P9] not a priority", None, "[P9] not a priority"),
        ("[acme-users] list tag", None, "[acme-users] list tag"),
        ("Fleet [P1] offline", None, "Fleet [P1] offline"),
        # Particle: "include a priority level [P1-P4]" in the subject, not said where
        ("Fleet offline [P1]", "P1", "Fleet offline"),
        ("Re: Fleet offline [ p2 ]", "p2", "Fleet offline"),
        ("[acme-users] Fleet offline [P1]", "P1", "[acme-users] Fleet offline"),
        ("Upgrade to [P9]", None, "Upgrade to [P9]"),
        ("Ticket [#12]", None, "Ticket [#12]"),
        ("Note: colon words are not tags", None, "Note: colon words are not tags"),
        ("", None, ""),
    ],
)
def test_split_priority_tag(subject: str, priority: str | None, cleaned: str) -> None:
    assert split_priority_tag(subject, PARTICLE) == (priority, cleaned)


def test_tag_not_in_this_policy_is_left_alone() -> None:
    # given a policy (Houseware) without severity aliases
    assert split_priority_tag("[Sev2] broken", ["P1", "P2"]) == (None, "[Sev2] broken")


@pytest.mark.parametrize(
    ("subject", "cleaned", "is_reply", "is_forward"),
    [
        ("Re: Hello", "Hello", True, False),
        ("RE: RE: Hello", "Hello", True, False),
        ("AW: Hello", "Hello", True, False),
        ("Fwd: Hello", "Hello", False, True),
        ("WG: Hello", "Hello", False, True),
        ("Re[2]: Hello", "Hello", True, False),
        ("Re: Fwd: Hello", "Hello", True, True),
        ("Hello", "Hello", False, False),
        ("Regarding: not a prefix", "Regarding: not a prefix", False, False),
    ],
)
def test_split_subject(subject: str, cleaned: str, is_reply: bool, is_forward: bool) -> None:
    parts = split_subject(subject)
    assert (parts.subject, parts.is_reply, parts.is_forward) == (cleaned, is_reply, is_forward)


@pytest.mark.parametrize(
    ("subject", "ticket"),
    [
        ("Re: [#1234] Printer on fire", 1234),
        ("[# 42] spaced", 42),
        ("[#12][#13] first wins", 12),
        ("#1234 without brackets", None),
        ("[1234] without hash", None),
        ("[#abc]", None),
        ("", None),
    ],
)
def test_find_ticket_ref(subject: str, ticket: int | None) -> None:
    assert find_ticket_ref(subject) == ticket


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Console slow", "Console slow"),
        ("Re: Console slow", "Console slow"),
        ("RE: AW: SV: Console slow", "Console slow"),
        ("Fwd: WG: Re: Console slow", "Console slow"),
        ("Re: [#123] Console slow", "Console slow"),
        ("[#123] Re: Console slow", "Console slow"),
        ("AW: [#12] Re[2]: [#7] Fwd: Console slow", "Console slow"),
        ("Re: Console [#123] slow", "Console slow"),
        ("Re: [P1] Console slow", "[P1] Console slow"),
        ("Re: [acme-users] Console slow", "[acme-users] Console slow"),
        ("Re: Note: keep colon words", "Note: keep colon words"),
        ("Re: ticket #123 is slow", "ticket #123 is slow"),
        ("Re: ", ""),
        ("", ""),
    ],
)
def test_topic_strips_reply_prefixes_and_ticket_refs(subject: str, expected: str) -> None:
    assert topic(subject) == expected
