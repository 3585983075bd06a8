"""Mail and merges: a customer's reply to any mail of a merged ticket threads into the
ticket it was merged into, and the people who wrote the merged ticket by mail get the
target's public replies by mail."""

from __future__ import annotations

import pytest

from sladesk.intake.models import EmailMessageId, InboundMessage, InboundState
from sladesk.intake.pipeline import process
from sladesk.intake.store import store_raw
from sladesk.notify.models import OutboxMessage
from sladesk.tickets import services
from sladesk.tickets.models import Status
from support.mail import DOMAIN, build_mail

pytestmark = pytest.mark.django_db


def ingest(raw: bytes, sender: str = "jane@acme.example") -> InboundMessage:
    return process(store_raw(raw, envelope_from=sender, envelope_to=[f"acme@{DOMAIN}"]).pk)


def test_a_reply_by_in_reply_to_an_old_mail_of_the_merged_ticket_threads_into_the_target(
    acme, agent
):
    # given a mailed ticket A, answered by an agent, merged into a portal ticket B
    a = ingest(build_mail(subject="Fleet offline", message_id="<a1@acme.example>")).ticket
    services.reply(a, author=agent, body="Looking into it.")
    sent = (
        EmailMessageId.objects.filter(ticket=a, direction=EmailMessageId.OUT)
        .order_by("-id")
        .first()
    )
    b = services.open_ticket(
        organization=acme,
        requester=a.requester,
        subject="Fleet down",
        description="x",
        actor=a.requester,
    )
    services.merge(a, into=b, actor=agent)
    # when the customer answers A's old mail with no [#A] in the subject
    row = ingest(
        build_mail(
            subject="Re: Fleet offline",
            body="still down",
            in_reply_to=sent.message_id,
            references=["<a1@acme.example>", sent.message_id],
        )
    )
    # then it threads into B (not onto the closed A) by the Message-ID
    a.refresh_from_db()
    assert (row.state, row.ticket) == (InboundState.REPLY, b)
    assert "Message-ID" in row.reason
    assert a.status == Status.CLOSED and not a.messages.filter(body_text="still down").exists()
    # and its Message-ID is B's from now on, as are A's old ones
    assert EmailMessageId.objects.get(message_id=row.message_id).ticket == b
    assert not EmailMessageId.objects.filter(ticket=a).exists()


def test_after_a_merge_the_merged_tickets_mail_requester_gets_the_targets_replies(
    acme, agent, make_contact
):
    # given A from jane by mail merged into B, which bob opened in the portal
    a = ingest(build_mail(subject="Fleet offline", message_id="<a2@acme.example>")).ticket
    bob = make_contact(acme, "bob@acme.example")
    b = services.open_ticket(
        organization=acme, requester=bob, subject="Fleet down", description="x", actor=bob
    )
    services.merge(a, into=b, actor=agent)
    # when an agent replies publicly on B
    reply = services.reply(b, author=agent, body="Fixed at 14:00.")
    # then jane, who wrote by mail, gets it by mail, threaded under her own mail; bob (portal)
    #      does not
    rows = OutboxMessage.objects.filter(purpose="customer_reply")
    assert [r.destination for r in rows] == ["email:jane@acme.example"]
    mail = rows.get().payload["extra"]["mail"]
    assert "<a2@acme.example>" in mail["references"]
    assert EmailMessageId.objects.get(message_id=mail["message_id"]).ticket_message == reply


def test_everyone_who_wrote_by_mail_gets_their_own_mail_threaded_under_their_own_message(
    acme, agent, make_contact
):
    # given jane's mailed ticket, on which her colleague carol also wrote by mail
    make_contact(acme, "carol@acme.example")
    ticket = ingest(build_mail(subject="Fleet offline", message_id="<j1@acme.example>")).ticket
    ingest(
        build_mail(
            sender="carol@acme.example",
            subject=f"Re: [#{ticket.pk}] Fleet offline",
            body="here too",
            message_id="<c1@acme.example>",
        ),
        sender="carol@acme.example",
    )
    # when an agent replies publicly
    services.reply(ticket, author=agent, body="On it.")
    # then each gets one mail, In-Reply-To their own mail, the requester's row keyed as always
    rows = {r.destination: r for r in OutboxMessage.objects.filter(purpose="customer_reply")}
    assert sorted(rows) == ["email:carol@acme.example", "email:jane@acme.example"]
    assert (
        rows["email:jane@acme.example"].payload["extra"]["mail"]["in_reply_to"]
        == "<j1@acme.example>"
    )
    assert (
        rows["email:carol@acme.example"].payload["extra"]["mail"]["in_reply_to"]
        == "<c1@acme.example>"
    )
    assert rows["email:jane@acme.example"].idempotency_key.count(":") == 2


def test_mail_split_off_keeps_its_thread_on_the_new_ticket(acme, agent, make_contact):
    # given jane's mailed ticket on which carol wrote another matter by mail
    make_contact(acme, "carol@acme.example")
    ticket = ingest(build_mail(subject="Fleet offline", message_id="<j2@acme.example>")).ticket
    carol = ingest(
        build_mail(
            sender="carol@acme.example",
            subject=f"Re: [#{ticket.pk}] Fleet offline",
            body="unrelated: invoice",
            message_id="<c2@acme.example>",
        ),
        sender="carol@acme.example",
    )
    # when an agent splits carol's message off and answers it there
    new = services.split(ticket, messages=[carol.ticket_message_id], actor=agent, subject="Invoice")
    services.reply(new, author=agent, body="Invoice resent.")
    # then carol gets that answer by mail, threaded under her own mail, and jane does not
    [row] = OutboxMessage.objects.filter(purpose="customer_reply", ticket=new)
    assert row.destination == "email:carol@acme.example"
    assert row.payload["extra"]["mail"]["in_reply_to"] == "<c2@acme.example>"
    # and carol's answer to her own mail's thread lands on the new ticket
    answer = ingest(
        build_mail(
            sender="carol@acme.example",
            subject="Re: unrelated",
            body="thanks",
            in_reply_to="<c2@acme.example>",
        ),
        sender="carol@acme.example",
    )
    assert answer.ticket == new
