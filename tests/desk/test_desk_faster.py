"""Working faster on the ticket page and in the inbox: assign to me, reply and set status."""

from __future__ import annotations

import pytest

from sladesk.tickets.models import EventKind, Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ assign to me
def test_assign_to_me_from_the_ticket_page_takes_the_ticket(client, ui):
    # given an agent on an unassigned ticket
    client.force_login(ui.agent)
    page = client.get(f"/desk/tickets/{ui.acme_ticket.pk}/")
    assert b"data-assign-me" in page.content
    # when they click "Assign to me"
    response = client.post(f"/desk/tickets/{ui.acme_ticket.pk}/assign-me/")
    # then the ticket is theirs, through the service (an assigned event), and the page says so
    assert response["Location"] == f"/desk/tickets/{ui.acme_ticket.pk}/"
    ticket = Ticket.objects.get(pk=ui.acme_ticket.pk)
    assert ticket.assignee_id == ui.agent.pk and ticket.status == "open"
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED).exists()
    again = client.get(f"/desk/tickets/{ticket.pk}/", follow=True)
    assert b"is assigned to you" in again.content and b"data-assign-me" not in again.content


def test_assign_to_me_from_the_inbox_returns_to_the_same_view(client, ui):
    # given the inbox's unassigned view
    client.force_login(ui.agent)
    inbox = client.get("/desk/?view=unassigned")
    assert f'aria-label="Take #{ui.acme_ticket.pk} (assign to me)"'.encode() in inbox.content
    # when the agent takes a row
    response = client.post(
        f"/desk/tickets/{ui.acme_ticket.pk}/assign-me/", {"next": "/desk/?view=unassigned"}
    )
    # then they are back on that view and the ticket is theirs
    assert response["Location"] == "/desk/?view=unassigned"
    assert Ticket.objects.get(pk=ui.acme_ticket.pk).assignee_id == ui.agent.pk


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/desk/", "/portal/"])
def test_assign_to_me_never_redirects_off_the_desk(client, ui, target):
    client.force_login(ui.agent)
    response = client.post(f"/desk/tickets/{ui.acme_ticket.pk}/assign-me/", {"next": target})
    assert response["Location"] == f"/desk/tickets/{ui.acme_ticket.pk}/"


def test_assign_to_me_is_refused_for_a_ticket_outside_the_scope_and_for_contacts(client, ui):
    # given an agent limited to Bright's tickets
    from sladesk.accounts.models import AgentProfile

    profile = AgentProfile.objects.get(user=ui.agent)
    profile.scope_organizations.add(ui.bright)
    client.force_login(ui.agent)
    # then Acme's ticket does not exist for them, and a contact may not use the desk
    assert client.post(f"/desk/tickets/{ui.acme_ticket.pk}/assign-me/").status_code == 404
    client.force_login(ui.acme_contact.user)
    assert client.post(f"/desk/tickets/{ui.acme_ticket.pk}/assign-me/").status_code == 403
    assert Ticket.objects.get(pk=ui.acme_ticket.pk).assignee_id is None


def test_assign_to_me_needs_post(client, ui):
    client.force_login(ui.agent)
    assert client.get(f"/desk/tickets/{ui.acme_ticket.pk}/assign-me/").status_code == 405


# ------------------------------------------------------------------ reply and set status
@pytest.mark.parametrize("then", ["pending", "solved"])
def test_send_and_set_status_replies_and_moves_the_ticket_in_one_submit(client, ui, then):
    # given an agent on an open ticket
    client.force_login(ui.agent)
    # when they press "Send and set <then>"
    response = client.post(
        f"/desk/tickets/{ui.acme_ticket.pk}/message/", {"body": "Fixed on our side.", "then": then}
    )
    # then the reply is public and the status changed
    assert response.status_code == 302
    assert Message.objects.filter(
        ticket=ui.acme_ticket, body_text="Fixed on our side.", public=True
    ).exists()
    assert Ticket.objects.get(pk=ui.acme_ticket.pk).status == then
    page = client.get(f"/desk/tickets/{ui.acme_ticket.pk}/")
    assert f"Reply sent; status: {then}.".encode() in page.content


def test_a_refused_status_sends_no_reply_either(client, ui):
    # given a closed ticket (a closed ticket cannot become pending)
    from sladesk.tickets import services

    services.solve(ui.acme_ticket, actor=ui.agent)
    services.close(ui.acme_ticket, actor=ui.agent)
    client.force_login(ui.agent)
    before = Message.objects.filter(ticket=ui.acme_ticket).count()
    # when the agent sends and sets pending
    client.post(f"/desk/tickets/{ui.acme_ticket.pk}/message/", {"body": "hello", "then": "pending"})
    # then nothing was written and the page names the refusal
    assert Message.objects.filter(ticket=ui.acme_ticket).count() == before
    page = client.get(f"/desk/tickets/{ui.acme_ticket.pk}/")
    assert b"cannot become pending" in page.content


def test_a_note_cannot_set_a_status(client, ui):
    client.force_login(ui.agent)
    client.post(
        f"/desk/tickets/{ui.acme_ticket.pk}/message/",
        {"body": "x", "kind": "note", "then": "solved"},
    )
    assert Ticket.objects.get(pk=ui.acme_ticket.pk).status != "solved"
    assert not Message.objects.filter(ticket=ui.acme_ticket, body_text="x").exists()


# ------------------------------------------------------------------ partial updates
def test_ticket_forms_post_in_place_with_htmx_and_still_work_without(client, ui):
    # given the ticket page
    client.force_login(ui.agent)
    html = client.get(f"/desk/tickets/{ui.acme_ticket.pk}/").content.decode()
    # then the reply, status and assign forms are posted by htmx into #main ...
    for name in ("message", "status", "assign", "assign-me", "priority"):
        url = f"/desk/tickets/{ui.acme_ticket.pk}/{name}/"
        assert f'action="{url}" hx-post="{url}" hx-target="#main" hx-select="#main"' in html
    # ... and the keys and their help are on the page
    assert "data-shortcuts" in html and 'id="shortcut-help"' in html
    # an htmx POST gets the same redirect to the page (htmx follows it and swaps #main)
    response = client.post(f"/desk/tickets/{ui.acme_ticket.pk}/assign-me/", HTTP_HX_REQUEST="true")
    assert (
        response.status_code == 302
        and response["Location"] == f"/desk/tickets/{ui.acme_ticket.pk}/"
    )
