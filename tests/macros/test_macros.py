"""Macros: safe placeholders, personal and shared, preview then apply through the services."""

from __future__ import annotations

import pytest

from sladesk.macros.models import Macro
from sladesk.macros.render import render, unknown_placeholders
from sladesk.tickets import services
from sladesk.tickets.models import EventKind, Message, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def solve_macro(ui):
    return Macro.objects.create(
        name="Fixed",
        body="Hello {{ requester.name }}, #{{ ticket.number }} is fixed.\n{{ agent.first_name }}",
        status="solved",
        tags="fixed",
        assign_to_me=True,
    )


def test_placeholders_are_substituted_and_nothing_else_runs(ui):
    text = (
        "Hi {{ requester.name }} {{ ticket.number }} {% load x %} "
        "{{ ticket.__class__ }} {{ settings.SECRET_KEY }}"
    )
    out = render(text, ui.acme_ticket, ui.agent)
    assert out.startswith(f"Hi {ui.acme_contact.name} {ui.acme_ticket.pk} {{% load x %}}")
    assert "{{ settings.SECRET_KEY }}" in out and "{{ ticket.__class__ }}" in out
    assert unknown_placeholders(text) == ["ticket.__class__"]


def test_unknown_placeholders_are_listed():
    assert unknown_placeholders(
        "{{ ticket.number }} {{ requester.password }} {{requester.password}}"
    ) == ["requester.password"]


def test_preview_shows_the_rendered_reply_and_the_changes(client, ui, solve_macro):
    client.force_login(ui.agent)
    page = client.get(f"/desk/tickets/{ui.acme_ticket.pk}/")
    assert b"data-preview-macro" in page.content and b"Fixed" in page.content
    preview = client.get(
        f"/desk/tickets/{ui.acme_ticket.pk}/macro/?macro={solve_macro.pk}", HTTP_HX_REQUEST="true"
    )
    html = preview.content.decode()
    assert (
        f"Hello {ui.acme_contact.name}, #{ui.acme_ticket.pk} is fixed." in html and "Alice" in html
    )
    assert "status Solved" in html and "add tags fixed" in html and "<html" not in html
    # without htmx: the whole page
    assert (
        b"<html"
        in client.get(f"/desk/tickets/{ui.acme_ticket.pk}/macro/?macro={solve_macro.pk}").content
    )
    # previewing changes nothing
    assert Ticket.objects.get(pk=ui.acme_ticket.pk).status != "solved"


def test_apply_replies_and_changes_fields_through_the_services(client, ui, solve_macro):
    client.force_login(ui.agent)
    response = client.post(
        f"/desk/tickets/{ui.acme_ticket.pk}/macro/{solve_macro.pk}/apply/", follow=True
    )
    assert "Macro “Fixed” applied: reply sent; add tags fixed;" in response.content.decode()
    ticket = Ticket.objects.get(pk=ui.acme_ticket.pk)
    assert (ticket.status, ticket.assignee_id) == ("solved", ui.agent.pk)
    assert list(ticket.tags.values_list("name", flat=True)) == ["fixed"]
    reply = Message.objects.filter(ticket=ticket, public=True, author_user=ui.agent).get()
    assert reply.body_text == f"Hello {ui.acme_contact.name}, #{ticket.pk} is fixed.\nAlice"
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ASSIGNED).exists()


def test_a_refused_change_rolls_the_whole_macro_back(client, ui):
    macro = Macro.objects.create(
        name="Wait", body="We wait for you.", status="pending", tags="waiting"
    )
    services.solve(ui.acme_ticket, actor=ui.agent)
    services.close(ui.acme_ticket, actor=ui.agent)
    client.force_login(ui.agent)
    before = Message.objects.filter(ticket=ui.acme_ticket).count()
    response = client.post(
        f"/desk/tickets/{ui.acme_ticket.pk}/macro/{macro.pk}/apply/", follow=True
    )
    assert "not applied (nothing changed)" in response.content.decode()
    assert Message.objects.filter(ticket=ui.acme_ticket).count() == before
    assert not Ticket.objects.get(pk=ui.acme_ticket.pk).tags.exists()


def test_personal_macros_are_their_owners_and_shared_ones_admins(client, ui):
    # given bob's personal macro and a shared one
    mine = Macro.objects.create(name="Bob's", body="hi", owner=ui.bob)
    shared = Macro.objects.create(name="Shared", body="hi")
    client.force_login(ui.agent)
    # then alice neither sees nor applies bob's, and may not delete the shared one
    assert b"Bob&#x27;s" not in client.get("/desk/macros/").content
    assert (
        client.post(f"/desk/tickets/{ui.acme_ticket.pk}/macro/{mine.pk}/apply/").status_code == 404
    )
    client.post(f"/desk/macros/{shared.pk}/delete/")
    assert Macro.objects.filter(pk=shared.pk).exists()
    # alice adds a personal macro; asking for "shared" is refused
    client.post("/desk/macros/", {"name": "Mine", "body": "Hi {{ requester.name }}"})
    assert Macro.objects.get(name="Mine").owner_id == ui.agent.pk
    page = client.post("/desk/macros/", {"name": "Everyone", "body": "x", "shared": "on"})
    assert "Only admins share macros." in page.content.decode()
    # an admin adds a shared one and deletes the other shared one
    client.force_login(ui.admin)
    client.post("/desk/macros/", {"name": "Everyone", "body": "x", "shared": "on"})
    assert Macro.objects.get(name="Everyone").owner_id is None
    client.post(f"/desk/macros/{shared.pk}/delete/")
    assert not Macro.objects.filter(pk=shared.pk).exists()


@pytest.mark.parametrize(
    "data, problem",
    [
        ({"name": "X", "body": "{{ ticket.secret }}"}, "unknown placeholder ticket.secret"),
        ({"name": "X", "priority": "P1"}, "A priority change needs a reason"),
        ({"name": "X"}, "A macro needs a reply text or at least one change."),
    ],
)
def test_bad_macros_are_refused_with_the_reason(client, ui, data, problem):
    client.force_login(ui.agent)
    page = client.post("/desk/macros/", data)
    assert problem in page.content.decode() and not Macro.objects.exists()


def test_contacts_have_no_macros(client, ui, solve_macro):
    client.force_login(ui.acme_contact.user)
    assert client.get("/desk/macros/").status_code == 403
    assert (
        client.post(f"/desk/tickets/{ui.acme_ticket.pk}/macro/{solve_macro.pk}/apply/").status_code
        == 403
    )
