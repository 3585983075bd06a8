"""A ticket opened by an agent for a caller (``/desk/tickets/new/``)."""

from __future__ import annotations

import pytest

from sladesk.accounts.models import Contact
from sladesk.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def _post(client, ui, **over):
    data = {
        "organization": ui.acme.pk,
        "email": ui.acme_contact.email,
        "subject": "Modem dead",
        "description": "Called at 9: no LED.",
        "priority": "P1",
        "channel": "phone",
        **over,
    }
    return client.post("/desk/tickets/new/", data)


def test_an_agent_opens_a_phone_ticket_for_an_existing_contact(client, ui):
    client.force_login(ui.agent)
    assert b"New ticket for a caller" in client.get("/desk/tickets/new/").content
    response = _post(client, ui)
    ticket = Ticket.objects.latest("pk")
    assert response["Location"] == f"/desk/tickets/{ticket.pk}/"
    assert (ticket.requester_id, ticket.channel, ticket.priority, ticket.subject) == (
        ui.acme_contact.pk,
        "phone",
        "P1",
        "Modem dead",
    )
    first = Message.objects.filter(ticket=ticket).first()
    assert (
        first.body_text == "Called at 9: no LED." and first.author_contact_id == ui.acme_contact.pk
    )


def test_a_new_address_becomes_a_contact_of_that_organization(client, ui):
    client.force_login(ui.agent)
    _post(
        client, ui, email="new.caller@acme.example", name="New Caller", channel="chat", priority=""
    )
    contact = Contact.objects.get(email="new.caller@acme.example")
    assert (
        contact.organization_id == ui.acme.pk
        and contact.name == "New Caller"
        and contact.user is None
    )
    ticket = Ticket.objects.latest("pk")
    assert ticket.requester_id == contact.pk and ticket.channel == "chat"


def test_a_refused_priority_opens_nothing_and_creates_no_contact(client, ui):
    client.force_login(ui.agent)
    before = Ticket.objects.count()
    page = _post(client, ui, email="ghost@acme.example", priority="P9")
    assert page.status_code == 200 and b"unknown priority" in page.content
    assert Ticket.objects.count() == before
    assert not Contact.objects.filter(email="ghost@acme.example").exists()


def test_an_organization_outside_the_scope_cannot_be_chosen(client, ui):
    from sladesk.accounts.models import AgentProfile

    AgentProfile.objects.get(user=ui.agent).scope_organizations.add(ui.bright)
    client.force_login(ui.agent)
    before = Ticket.objects.count()
    page = _post(client, ui)
    assert page.status_code == 200 and b"Select a valid choice" in page.content
    assert Ticket.objects.count() == before


def test_contacts_cannot_open_desk_tickets(client, ui):
    client.force_login(ui.acme_contact.user)
    assert _post(client, ui).status_code == 403
