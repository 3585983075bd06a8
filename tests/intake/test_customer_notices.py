"""Notices reach customers: an agent's public reply and a priority change (with its reason)
are mailed to the requester of a portal or API ticket too — through the outbox, delivered
to a real SMTP server on loopback — unless the contact turned mail off; a notice the policy
requires (Particle: "with notice") goes regardless."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sladesk.tickets import services
from sladesk.tickets.models import Channel
from support.timers import drain

pytestmark = pytest.mark.django_db


def _portal_ticket(desk, policy="particle-enterprise"):
    region = "na" if policy == "particle-enterprise" else ""
    org = desk.make_org(policy, name="Acme", region=region)
    contact = desk.make_contact(org, "jane@acme.example", login=True)
    ticket = services.open_ticket(
        organization=org,
        requester=contact,
        subject="Fleet offline",
        description="all of it",
        priority="P2",
        channel=Channel.WEB,
        actor=contact.user,
    )
    return ticket, contact


def _mails_to(desk, address):
    return [m for m in desk.smtp.messages if address in m.rcpt_tos]


def test_an_agent_reply_on_a_portal_ticket_is_mailed_to_the_requester(desk):
    # given a ticket opened in the portal (no mail thread)
    ticket, _ = _portal_ticket(desk)
    # when an agent replies publicly and the worker delivers
    services.reply(ticket, author=desk.agent, body="We are rolling back the firmware.")
    drain(desk.clock.at + timedelta(seconds=1))
    # then the requester got it by mail, tagged with the ticket number
    [mail] = _mails_to(desk, "jane@acme.example")
    assert f"[#{ticket.pk}]" in mail.message["Subject"]
    assert "We are rolling back the firmware." in mail.message.get_content()
    # and an internal note is never mailed
    services.add_note(ticket, author=desk.agent, body="internal only")
    drain(desk.clock.at + timedelta(seconds=2))
    assert len(_mails_to(desk, "jane@acme.example")) == 1


def test_a_priority_change_tells_the_customer_why(desk):
    ticket, _ = _portal_ticket(desk)
    # when the desk lowers the priority with a reason
    services.change_priority(
        ticket, priority="P3", reason="rollback restored most devices", actor=desk.agent
    )
    drain(desk.clock.at + timedelta(seconds=1))
    # then the customer reads the new priority and the reason
    [mail] = _mails_to(desk, "jane@acme.example")
    assert "Priority changed to P3" in mail.message["Subject"]
    text = mail.message.get_content()
    assert "from P2 to P3" in text and "Why: rollback restored most devices" in text


def test_a_contact_who_turned_mail_off_gets_replies_only_in_the_portal(desk, client):
    ticket, contact = _portal_ticket(desk, policy="houseware")
    # when the contact turns mail off in the portal
    client.force_login(contact.user)
    client.post("/portal/preferences/", {})
    contact.refresh_from_db()
    assert contact.email_updates is False
    services.reply(ticket, author=desk.agent, body="Looking at it.")
    services.change_priority(ticket, priority="P1", reason="wider impact", actor=desk.agent)
    drain(desk.clock.at + timedelta(seconds=1))
    # then nothing is mailed (Houseware does not promise priority notices)
    assert _mails_to(desk, "jane@acme.example") == []


def test_a_notice_the_policy_requires_goes_even_with_mail_off(desk):
    # Particle Solution Accelerator, section 9: priority changes "with notice"
    ticket, contact = _portal_ticket(desk, policy="particle-accelerator")
    contact.email_updates = False
    contact.save()
    services.reply(ticket, author=desk.agent, body="Looking at it.")
    services.change_priority(ticket, priority="P3", reason="one device only", actor=desk.agent)
    drain(desk.clock.at + timedelta(seconds=1))
    [mail] = _mails_to(desk, "jane@acme.example")
    assert "Priority changed to P3" in mail.message["Subject"]


def test_a_reply_to_the_notice_threads_into_the_ticket(desk):
    # given the requester got a reply by mail
    ticket, _ = _portal_ticket(desk)
    services.reply(ticket, author=desk.agent, body="Please send the device ids.")
    drain(desk.clock.at + timedelta(seconds=1))
    [mail] = _mails_to(desk, "jane@acme.example")
    # then the mail carries a signed reply address and the ticket tag that thread an answer
    assert mail.message["Reply-To"] and f"[#{ticket.pk}]" in mail.message["Subject"]
