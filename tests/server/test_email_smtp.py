"""The built-in SMTP server on loopback: smtplib sends, the pipeline makes tickets."""

from __future__ import annotations

import smtplib

import pytest
from email_helpers import DOMAIN, build_mail

from sladesk.intake.models import InboundMessage, InboundState
from sladesk.intake.pipeline import process_pending
from sladesk.tickets.models import Ticket

pytest_plugins = ["email_support"]
pytestmark = pytest.mark.django_db(transaction=True)


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
