"""Signed reply addresses and Message-ID thread keys."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sladesk.intake.email.headers import message_id_list, normalize_message_id
from sladesk.intake.email.parse import ParsedMessage, parse_message
from sladesk.intake.email.threading import (
    signed_reply_address,
    thread_keys,
    verify_reply_address,
)

SECRET = b"test-secret-not-for-production"
Load = Callable[[str], ParsedMessage]


@pytest.mark.parametrize("ticket_id", [0, 1, 1234, 10**12])
def test_signed_address_round_trips(ticket_id: int) -> None:
    # given a reply-to address signed for a ticket
    address = signed_reply_address("support", "Support.Example.com", ticket_id, SECRET)
    # then it has the documented shape and verifies back to the ticket
    local, domain = address.split("@")
    assert domain == "support.example.com"
    assert local.startswith(f"support+t{ticket_id}.") and len(local.rsplit(".", 1)[1]) == 10
    assert verify_reply_address(address, SECRET) == ticket_id
    assert verify_reply_address(f'"ACME Support" <{address.upper()}>', SECRET) == ticket_id


def test_existing_plus_tag_in_local_part_is_replaced() -> None:
    address = signed_reply_address("support+old", "x.io", 7, SECRET)
    assert address.startswith("support+t7.")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda a: a.replace("+t1234.", "+t1235."),  # another ticket, same tag
        lambda a: (
            a[: a.index("@") - 1] + ("0" if a[a.index("@") - 1] != "0" else "1") + a[a.index("@") :]
        ),
        lambda a: a.split(".")[0] + "@support.example.com",  # tag removed
        lambda a: a.replace("+t1234.", "+t1234.0"),  # tag lengthened
    ],
)
def test_tampered_addresses_are_rejected(tamper: Callable[[str], str]) -> None:
    address = signed_reply_address("support", "support.example.com", 1234, SECRET)
    assert verify_reply_address(tamper(address), SECRET) is None


@pytest.mark.parametrize(
    "address", ["", "support@support.example.com", "not an address", "support+t1.zz@x.io"]
)
def test_unsigned_or_junk_addresses_verify_to_none(address: str) -> None:
    assert verify_reply_address(address, SECRET) is None


def test_other_secret_rejects() -> None:
    address = signed_reply_address("support", "x.io", 5, SECRET)
    assert verify_reply_address(address, b"another-secret") is None


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        signed_reply_address("support", "x.io", 5, b"")


def test_thread_keys_in_reply_to_then_references_newest_first() -> None:
    # given a reply whose References lists the thread oldest first
    raw = (
        b"Message-ID: <c@x>\r\nIn-Reply-To: <b@x>\r\n"
        b"References: <a@x>\r\n <b@x>\r\nSubject: Re: hi\r\n\r\nbody\r\n"
    )
    # then In-Reply-To comes first, then the rest newest first, no duplicates
    assert thread_keys(parse_message(raw)) == ["<b@x>", "<a@x>"]


def test_thread_keys_of_a_real_gmail_reply(corpus_message: Load) -> None:
    parsed = corpus_message("django-mailbox/message_with_long_content.eml")
    keys = thread_keys(parsed)
    assert keys and keys[0] == parsed.in_reply_to
    assert set(keys) == {parsed.in_reply_to, *parsed.references}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<a@b>", "<a@b>"),
        ("  <a@b> (comment)", "<a@b>"),
        ("a@b", "<a@b>"),
        ("<a@\r\n b>", "<a@b>"),
        ("<>", None),
        ("Your message of Monday", None),
        (None, None),
    ],
)
def test_normalize_message_id(value: str | None, expected: str | None) -> None:
    assert normalize_message_id(value) == expected


def test_message_id_list_deduplicates_and_accepts_bare_ids() -> None:
    assert message_id_list("<a@x> <b@x>\r\n <a@x>") == ["<a@x>", "<b@x>"]
    assert message_id_list("a@x, b@x") == ["<a@x>", "<b@x>"]
