"""The built-in SMTP server on loopback: smtplib sends, the pipeline makes tickets."""

from __future__ import annotations

import smtplib

import pytest

from sladesk.intake.models import InboundMessage, InboundState
from sladesk.intake.pipeline import process_pending
from sladesk.tickets.models import Ticket
from support.mail import DOMAIN, build_mail

pytestmark = pytest.mark.django_db(transaction=True)


def _exists_now(query) -> bool:
    """``query.exists()``; False while SQLite's shared in-memory test database is locked
    by the writer thread (PostgreSQL never raises here)."""
    from django.db import OperationalError

    try:
        return query.exists()
    except OperationalError:
        return False


def _send(server, raw: bytes, to: str = f"acme@{DOMAIN}", sender: str = "jane@acme.example"):
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client:
        return client.sendmail(sender, [to], raw)


def test_mail_to_a_customer_alias_opens_a_ticket_with_the_subject_priority(smtp_server, acme):
    # given a mail to Acme's alias asking for P2 in the subject
    raw = build_mail(subject="[P2] Cellular reconnects every 10 minutes")
    # when it is sent over SMTP and processed
    refused = _send(smtp_server, raw)
    assert refused == {}
    assert process_pending() == 1
    # then one ticket exists at P2, with the tag stripped from its subject
    ticket = Ticket.objects.get()
    assert (ticket.organization, ticket.priority, ticket.channel) == (acme, "P2", "email")
    assert ticket.subject == "Cellular reconnects every 10 minutes"
    assert InboundMessage.objects.get().state == InboundState.TICKET


def test_foreign_domains_get_550_and_are_not_stored(smtp_server, acme):
    # given a client relaying through us to a domain we do not serve
    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=10) as client:
        client.ehlo()
        client.mail("jane@acme.example")
        code, text = client.rcpt("someone@gmail.example")
    # then RCPT is refused and nothing is stored
    assert code == 550 and b"does not accept mail for this domain" in text
    assert not InboundMessage.objects.exists()


def test_oversize_messages_get_552_naming_the_limit(smtp_server, acme):
    raw = build_mail(body=("x" * 70 + "\n") * 4000)  # 284 KB; the fixture's limit is 200,000 bytes
    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("size")
        # without SIZE= in MAIL FROM, so the server must count the DATA itself
        client.mail("jane@acme.example")
        client.rcpt(f"acme@{DOMAIN}")
        code, text = client.data(raw)
        # and a client that announces the size is refused at MAIL FROM
        client.rset()
        announced, announced_text = client.mail("jane@acme.example", [f"SIZE={len(raw)}"])
    assert code == 552, text
    assert b"up to 200000 bytes" in text
    assert announced == 552, announced_text
    assert not InboundMessage.objects.exists()


def test_250_comes_after_the_raw_message_is_stored(smtp_server, acme):
    raw = build_mail(subject="stored first")
    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=10) as client:
        client.ehlo()
        client.mail("jane@acme.example")
        client.rcpt(f"acme@{DOMAIN}")
        code, text = client.data(raw)
    assert code == 250
    row = InboundMessage.objects.get(pk=int(text.decode().rsplit(" ", 1)[1]))
    assert row.state == InboundState.RECEIVED and row.envelope_to == [f"acme@{DOMAIN}"]
    assert b"stored first" in bytes(row.raw)


def test_sessions_storing_at_once_each_hear_250_with_their_own_stored_row(smtp_server, acme):
    import threading

    # given 8 sessions sending at the same moment (they share the server's group commits)
    answers: dict[int, tuple[int, bytes]] = {}
    start = threading.Barrier(8)

    def send(i: int) -> None:
        with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=30) as client:
            client.ehlo()
            client.mail("jane@acme.example")
            client.rcpt(f"acme@{DOMAIN}")
            start.wait()
            answers[i] = client.data(
                build_mail(subject=f"session {i}", message_id=f"<s{i}@acme.example>")
            )

    threads = [threading.Thread(target=send, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then each got 250 naming a different row, and that row holds its own message
    assert sorted(code for code, _ in answers.values()) == [250] * 8
    ids = {i: int(text.decode().rsplit(" ", 1)[1]) for i, (_, text) in answers.items()}
    assert len(set(ids.values())) == 8
    for i, pk in ids.items():
        assert f"session {i}".encode() in bytes(InboundMessage.objects.get(pk=pk).raw)


def test_the_same_message_sent_twice_makes_one_ticket(smtp_server, acme):
    raw = build_mail(message_id="<dup@acme.example>", subject="twice")
    _send(smtp_server, raw)
    _send(smtp_server, raw)
    process_pending()
    assert Ticket.objects.count() == 1
    assert sorted(InboundMessage.objects.values_list("state", flat=True)) == ["duplicate", "ticket"]


def test_in_process_worker_processes_without_waiting(settings, acme):
    # given `sladesk run`'s background intake (SMTP server + processing loop)
    from sladesk.intake.worker import IntakeWorker
    from support.mail import wait_for

    settings.SLADESK_EMAIL = {"domains": DOMAIN, "process_interval": 30}
    worker = IntakeWorker().start(smtp_bind="127.0.0.1:0", imap=False)
    try:
        _send(worker.smtp, build_mail(subject="[P1] Fleet offline"))
        # then the ticket appears long before the 30 s poll interval
        wait_for(lambda: _exists_now(Ticket.objects.filter(priority="P1")), 10, "the ticket")
    finally:
        worker.stop()
