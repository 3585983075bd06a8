"""IMAP polling against a real Dovecot on loopback: idempotent by Message-ID, processed
mail moved (or flagged \\Seen), one ticket per message."""

from __future__ import annotations

import pytest

from sladesk.intake.imap import poll, poll_all
from sladesk.intake.models import ImapMailbox, InboundMessage, InboundState
from sladesk.intake.pipeline import process_pending
from sladesk.intake.store import store_raw
from sladesk.tickets.models import Ticket
from support.mail import DOMAIN, build_mail

pytestmark = pytest.mark.django_db


def _mailbox(dovecot, **kw) -> ImapMailbox:
    return ImapMailbox.objects.create(
        name="acme-inbox",
        host="127.0.0.1",
        port=dovecot.port,
        ssl=False,
        username=dovecot.user,
        password=dovecot.password,
        recipient=f"acme@{DOMAIN}",
        **kw,
    )


def test_polled_mail_becomes_tickets_and_is_moved_once(dovecot, acme):
    # given two mails in the IMAP inbox (one routed only by the mailbox's recipient)
    client = dovecot.client()
    client.append(
        "INBOX",
        build_mail(
            subject="[P1] Fleet offline", message_id="<i1@acme.example>", to="ops@acme.example"
        ),
    )
    client.append("INBOX", build_mail(subject="Invoice question", message_id="<i2@acme.example>"))
    mailbox = _mailbox(dovecot, processed_folder="Processed")
    # when the mailbox is polled and the mail processed
    assert poll_all() == 2
    process_pending()
    # then two tickets exist and the inbox is empty, the mail kept in "Processed"
    assert Ticket.objects.count() == 2 and Ticket.objects.filter(priority="P1").exists()
    client.select_folder("INBOX")
    assert client.search(["ALL"]) == []
    client.select_folder("Processed")
    assert len(client.search(["ALL"])) == 2
    # and polling again changes nothing
    assert poll(mailbox) == (0, 0)
    mailbox.refresh_from_db()
    assert mailbox.last_error == "" and mailbox.last_polled_at is not None
    client.logout()


def test_a_crash_before_marking_is_idempotent_by_message_id(dovecot, acme):
    # given a mail already stored by an earlier poll that died before marking it \\Seen
    raw = build_mail(subject="Twice?", message_id="<again@acme.example>")
    client = dovecot.client()
    client.append("INBOX", raw)
    store_raw(raw, source="imap:acme-inbox")
    mailbox = _mailbox(dovecot)
    # when it is polled again
    stored, skipped = poll(mailbox)
    process_pending()
    # then it is not stored twice, one ticket, and now flagged \\Seen on the server
    assert (stored, skipped) == (0, 1)
    assert Ticket.objects.count() == 1
    assert InboundMessage.objects.get().state == InboundState.TICKET
    client.select_folder("INBOX")
    assert client.search(["UNSEEN"]) == [] and len(client.search(["SEEN"])) == 1
    client.logout()


def test_a_broken_mailbox_records_its_error(acme):
    ImapMailbox.objects.create(name="gone", host="127.0.0.1", port=1, ssl=False, username="u")
    assert poll_all() == 0
    assert ImapMailbox.objects.get().last_error
