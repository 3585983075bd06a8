"""Outbound mail through the durable outbox to a capturing SMTP server on loopback:
acknowledgements and agent replies with exact threading headers; failed sends visible."""

from __future__ import annotations

import email
import smtplib
import socket
from email.policy import default as default_policy

import pytest

from sladesk.intake.conf import conf
from sladesk.intake.email import verify_reply_address
from sladesk.intake.models import EmailMessageId, InboundMessage, InboundState
from sladesk.intake.pipeline import process_pending
from sladesk.notify.models import OutboxMessage
from sladesk.notify.worker import drain
from sladesk.tickets import services
from sladesk.tickets.models import EventKind, Ticket
from support.mail import DOMAIN, build_mail

pytestmark = pytest.mark.django_db(transaction=True)


def _send(server, raw: bytes, to: str = f"acme@{DOMAIN}") -> None:
    with smtplib.SMTP("127.0.0.1", server.port, timeout=10) as client:
        client.sendmail("jane@acme.example", [to], raw)


def _parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=default_policy)  # type: ignore[return-value]


def test_acknowledgement_and_agent_reply_thread_in_the_customers_client(
    smtp_server, capture, acme, agent
):
    # given a new ticket by mail
    _send(
        smtp_server, build_mail(subject="[P2] Boron units drop off", message_id="<q1@acme.example>")
    )
    process_pending()
    ticket = Ticket.objects.get()
    # when the outbox delivers the acknowledgement
    drain(timers_on=False)
    # then it threads under the customer's mail and says how the ticket will be handled
    assert len(capture.messages) == 1
    _sender, rcpts, raw = capture.messages[0]
    ack = _parsed(raw)
    assert rcpts == ["jane@acme.example"]
    assert ack["Subject"] == f"Re: [#{ticket.pk}] Boron units drop off"
    assert ack["In-Reply-To"] == "<q1@acme.example>"
    assert ack["References"] == "<q1@acme.example>"
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["From"] == f"acme@{DOMAIN}"
    assert verify_reply_address(ack["Reply-To"], conf().secrets[0]) == ticket.pk
    body = ack.get_content()
    assert "Priority: P2 (High)" in body or "Priority: P2" in body
    assert "First response by:" in body and "(America/Los_Angeles)" in body
    ack_id = ack["Message-ID"]
    assert EmailMessageId.objects.filter(message_id=ack_id, direction="out", ticket=ticket).exists()
    # when an agent replies publicly
    reply = services.reply(ticket, author=agent, body="We are on it.")
    drain(timers_on=False)
    # then the customer gets it with the whole thread referenced and no Auto-Submitted
    mail = _parsed(capture.messages[1][2])
    assert mail["Subject"] == f"Re: [#{ticket.pk}] Boron units drop off"
    assert mail["In-Reply-To"] == "<q1@acme.example>"
    assert mail["References"].split() == ["<q1@acme.example>", ack_id]
    assert mail["Auto-Submitted"] is None
    assert mail.get_content().startswith("We are on it.")
    assert EmailMessageId.objects.get(message_id=mail["Message-ID"]).ticket_message == reply
    # and the customer's answer to it threads by In-Reply-To
    _send(
        smtp_server,
        build_mail(
            subject=f"Re: [#{ticket.pk}] Boron units drop off",
            body="Thanks!\n\nOn Wed, support wrote:\n> We are on it.",
            in_reply_to=mail["Message-ID"],
            references=[ack_id, mail["Message-ID"]],
        ),
    )
    process_pending()
    row = InboundMessage.objects.order_by("-id").first()
    assert row.state == InboundState.REPLY and row.ticket == ticket
    assert "Message-ID" in row.reason
    assert ticket.messages.order_by("-id").first().body_text == "Thanks!"
    assert "We are on it." in row.quoted_text


def test_out_of_hours_freistilbox_ack_says_on_call_was_told(
    frozen_now, make_org, make_contact, capture, settings
):
    from datetime import datetime

    from sladesk.intake.models import InboundAddress
    from sladesk.intake.pipeline import process
    from sladesk.intake.store import store_raw

    # given a freistilbox customer writing to support@ on a Saturday night (Berlin)
    frozen_now.set(datetime.fromisoformat("2026-11-28T23:00:00+01:00"))
    org = make_org("freistilbox", plan="standard", name="Webwerk", timezone="Europe/Berlin")
    make_contact(org, "ops@webwerk.example")
    InboundAddress.objects.create(address="support@freistilbox.example", kind="support")
    raw = build_mail(
        sender="ops@webwerk.example", to="support@freistilbox.example", subject="Site slow"
    )
    # when it is processed
    row = process(store_raw(raw, envelope_to=["support@freistilbox.example"]).pk)
    # then the acknowledgement says the on-call engineer has been told
    assert row.state == InboundState.TICKET and row.ticket.organization == org
    ack = OutboxMessage.objects.get(purpose="acknowledgement")
    assert "outside our business hours: the on-call engineer has been told" in ack.payload["body"]
    assert "(Europe/Berlin)" in ack.payload["body"]


def _ticket_with_a_dead_acknowledgement(smtp_server, settings) -> Ticket:
    """A mailed ticket whose acknowledgement died: the relay is a port where nothing
    listens and the outbox makes one attempt."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", dead_port, False
    settings.SLADESK_NOTIFY = {"max_attempts": 1}
    _send(smtp_server, build_mail(subject="Help"))
    process_pending()
    ticket = Ticket.objects.get()
    drain(timers_on=False)
    return ticket


def test_a_refused_send_is_visible_on_the_ticket(smtp_server, acme, settings, agent):
    # given an outbound relay that refuses everything (nothing listens on the port)
    # when the outbox tries to deliver the acknowledgement
    ticket = _ticket_with_a_dead_acknowledgement(smtp_server, settings)
    # then the row is dead and the ticket log says so
    row = OutboxMessage.objects.get(purpose="acknowledgement")
    assert row.state == "dead"
    outcomes = [e.data.get("outcome") for e in ticket.events.filter(kind=EventKind.NOTIFY)]
    assert outcomes == ["queued", "dead"]


def test_an_agent_sees_a_refused_send_on_the_ticket_page(
    smtp_server, acme, settings, agent, client
):
    # given an outbound relay where nothing listens, and a ticket whose acknowledgement died
    ticket = _ticket_with_a_dead_acknowledgement(smtp_server, settings)
    # when the agent opens the ticket in the desk
    client.force_login(agent)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    # then a "Not delivered" panel names the mail, its recipient and why
    assert "Not delivered" in page and "data-undelivered" in page
    panel = page.split("data-undelivered", 1)[1].split("</section>", 1)[0]
    assert "acknowledgement mail to jane@acme.example: NOT DELIVERED after 1 attempt(s)" in panel
    # and the timeline says in words what was queued and what died, not just "notify"
    assert "acknowledgement mail to jane@acme.example: queued" in page
    assert "acknowledgement mail to jane@acme.example: NOT DELIVERED after 1 attempt(s)" in page


def test_a_dead_mail_retried_and_delivered_leaves_the_not_delivered_panel(
    smtp_server, acme, settings, agent, client, capture
):
    # given a ticket whose acknowledgement died on a relay where nothing listened
    from sladesk.notify.outbox import requeue

    relay = (settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS)
    ticket = _ticket_with_a_dead_acknowledgement(smtp_server, settings)
    client.force_login(agent)
    assert "data-undelivered" in client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    # when the relay is back and the row is retried (the outbox admin's action) and delivered
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = relay
    requeue(OutboxMessage.objects.filter(state="dead").values_list("pk", flat=True))
    drain(timers_on=False)
    # then the panel is gone and the timeline says it was delivered
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "data-undelivered" not in page
    assert "acknowledgement mail to jane@acme.example: delivered" in page
    assert len(capture.messages) == 1
