"""Loop protection: which messages may open a ticket, and the per-sender rate limit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from sladesk.intake.email.loops import should_create_ticket
from sladesk.intake.email.parse import ParsedMessage, parse_message

Load = Callable[[str], ParsedMessage]
OWN = ["support@support.example.com", "acme@support.example.com"]
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _mail(*headers: str, body: str = "Printer on fire") -> ParsedMessage:
    head = "\r\n".join(("Message-ID: <m1@customer.example>", *headers))
    return parse_message(f"{head}\r\n\r\n{body}\r\n".encode())


def test_a_customer_mail_may_open_a_ticket() -> None:
    mail = _mail("From: Ann <ann@customer.example>", "Subject: Help")
    assert should_create_ticket(mail, own_message_ids=set(), own_addresses=OWN) == (True, "ok")


@pytest.mark.parametrize(
    ("headers", "reason_start"),
    [
        (("From: a@c.example", "Auto-Submitted: auto-replied"), "auto-reply: Auto-Submitted"),
        (("From: a@c.example", "Auto-Submitted: auto-generated"), "auto-reply: Auto-Submitted"),
        (("From: a@c.example", "Precedence: auto_reply"), "auto-reply: Precedence"),
        (("From: a@c.example", "X-Autoreply: yes"), "auto-reply: x-autoreply"),
        (("From: a@c.example", "X-Autorespond: vacation"), "auto-reply: x-autorespond"),
        (("From: a@c.example", "X-Auto-Response-Suppress: All"), "auto-reply: X-Auto-Response"),
        (("From: a@c.example", "Subject: Out of Office: Help"), "auto-reply: auto-reply subject"),
        (("From: a@c.example", "Subject: Automatic reply: Help"), "auto-reply: auto-reply subject"),
        (("From: a@c.example", "Subject: Autoreply: Help"), "auto-reply: auto-reply subject"),
        (("From: a@c.example", "Subject: Abwesenheitsnotiz: Hilfe"), "auto-reply: auto-reply"),
        (("From: MAILER-DAEMON@mx.example",), "bounce: sender is mailer-daemon"),
        (("From: postmaster@mx.example",), "bounce: sender is postmaster"),
        (
            ("From: Mail Delivery System <Mail.Delivery.System@mx.example>",),
            "bounce: sender is mail.delivery.system",
        ),
        (("From: post_master@mx.example",), "bounce: sender is post_master"),
        (
            ("From: no-reply@mx.example", "Subject: Undeliverable: Help"),
            "bounce: delivery failure notice",
        ),
        (("From: a@c.example", "Return-Path: <>"), "bounce: null Return-Path"),
        (("From: Support <SUPPORT@support.example.com>",), "sent from our own address"),
    ],
)
def test_machine_and_own_mail_never_open_tickets(
    headers: tuple[str, ...], reason_start: str
) -> None:
    allowed, reason = should_create_ticket(
        _mail(*headers), own_message_ids=set(), own_addresses=OWN
    )
    assert not allowed
    assert reason.startswith(reason_start)


@pytest.mark.parametrize(
    "headers",
    [
        ("From: a@c.example", "Auto-Submitted: no"),
        ("From: a@c.example", "Subject: Re: out of office next week?"),
        ("From: a@c.example", "Precedence: first-class"),
    ],
)
def test_human_lookalikes_are_allowed(headers: tuple[str, ...]) -> None:
    allowed, _ = should_create_ticket(_mail(*headers), own_message_ids=set(), own_addresses=OWN)
    assert allowed


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (("From: a@c.example", "Precedence: bulk"), "Precedence: bulk"),
        (("From: a@c.example", "Precedence: list"), "Precedence: list"),
        (("From: a@c.example", "Precedence: junk"), "Precedence: junk"),
        (("From: a@c.example", "List-Id: <devs.lists.c.example>"), "mailing list (list-id)"),
        (
            ("From: a@c.example", "List-Unsubscribe: <mailto:x@c.example>"),
            "mailing list (list-unsubscribe)",
        ),
    ],
)
def test_list_and_bulk_mail_may_open_a_ticket_but_gets_no_answer(
    headers: tuple[str, ...], reason: str
) -> None:
    # RFC 3834 §2 forbids answering it, not reading it: a person may ask through a list
    mail = _mail(*headers)
    assert should_create_ticket(mail, own_message_ids=set(), own_addresses=OWN) == (True, "ok")
    assert mail.no_answer_reason == reason


def test_our_own_message_id_coming_back_is_refused() -> None:
    mail = _mail("From: ann@customer.example")
    allowed, reason = should_create_ticket(
        mail, own_message_ids={"<m1@customer.example>"}, own_addresses=OWN
    )
    assert not allowed and "our own message" in reason


def test_corpus_out_of_office_and_bounce_are_refused(corpus_message: Load) -> None:
    for relative in ("php-mime-mail-parser/issue212", "mailgun-flanker/bounce/zed.eml"):
        allowed, _ = should_create_ticket(
            corpus_message(relative), own_message_ids=set(), own_addresses=OWN
        )
        assert not allowed, relative
