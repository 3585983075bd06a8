"""Bulk actions on the inbox's ticked rows: each ticket through its service, one line each."""

from __future__ import annotations

import pytest

from sladesk.tickets import services
from sladesk.tickets.models import EventKind, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(ui):
    """Three more Acme tickets (four in all with ui.acme_ticket)."""
    return [
        services.open_ticket(
            organization=ui.acme,
            requester=ui.acme_contact,
            subject=f"Bulk {n}",
            description="x",
            priority="P3",
        )
        for n in range(3)
    ]


def _flash(client) -> str:
    return client.get("/desk/").content.decode()


def test_the_inbox_offers_a_tick_box_per_row_and_the_bulk_form(client, ui, three):
    client.force_login(ui.agent)
    page = client.get("/desk/").content.decode()
    assert 'id="bulk-form"' in page
    for t in three:
        assert f'name="tickets" value="{t.pk}" form="bulk-form"' in page


def test_bulk_assign_assigns_each_ticket_through_the_service(client, ui, three):
    client.force_login(ui.agent)
    ids = [t.pk for t in three]
    response = client.post(
        "/desk/bulk/",
        {"tickets": ids, "action": "assign", "assignee": ui.bob.pk, "next": "/desk/?view=all"},
    )
    assert response["Location"] == "/desk/?view=all"
    assert set(Ticket.objects.filter(pk__in=ids).values_list("assignee_id", flat=True)) == {
        ui.bob.pk
    }
    assert TicketEvent.objects.filter(ticket_id__in=ids, kind=EventKind.ASSIGNED).count() == 3
    flash = _flash(client)
    assert "Assign: 3 of 3 done." in flash and f"#{ids[0]}: assigned" in flash


def test_bulk_status_names_the_refused_ticket_and_does_the_others(client, ui, three):
    # given one of the three is closed already
    services.solve(three[0], actor=ui.agent)
    services.close(three[0], actor=ui.agent)
    client.force_login(ui.agent)
    client.post(
        "/desk/bulk/", {"tickets": [t.pk for t in three], "action": "status", "status": "pending"}
    )
    assert Ticket.objects.get(pk=three[0].pk).status == "closed"
    assert {Ticket.objects.get(pk=t.pk).status for t in three[1:]} == {"pending"}
    flash = _flash(client)
    assert "Set status: 2 of 3 done." in flash
    assert f"#{three[0].pk}: refused — a closed ticket cannot become pending" in flash


def test_bulk_priority_needs_a_reason_and_tells_it(client, ui, three):
    client.force_login(ui.agent)
    ids = [t.pk for t in three]
    client.post("/desk/bulk/", {"tickets": ids, "action": "priority", "priority": "P2"})
    assert "Nothing done: A priority change needs the priority and a reason" in _flash(client)
    assert set(Ticket.objects.filter(pk__in=ids).values_list("priority", flat=True)) == {"P3"}
    client.post(
        "/desk/bulk/",
        {"tickets": ids, "action": "priority", "priority": "P2", "reason": "outage confirmed"},
    )
    assert set(Ticket.objects.filter(pk__in=ids).values_list("priority", flat=True)) == {"P2"}
    reasons = TicketEvent.objects.filter(ticket_id__in=ids, kind=EventKind.PRIORITY).values_list(
        "data", flat=True
    )
    assert [d["reason"] for d in reasons] == ["outage confirmed"] * 3


def test_bulk_priority_unknown_to_a_policy_is_refused_for_that_ticket(client, ui, three):
    client.force_login(ui.agent)
    client.post(
        "/desk/bulk/",
        {"tickets": [three[0].pk], "action": "priority", "priority": "P9", "reason": "x"},
    )
    assert "refused — unknown priority" in _flash(client)


def test_bulk_tags_add_to_the_kept_ones(client, ui, three):
    services.add_tags(three[0], tags=["vip"], actor=ui.agent)
    client.force_login(ui.agent)
    client.post(
        "/desk/bulk/", {"tickets": [t.pk for t in three], "action": "tags", "tags": "outage, eu"}
    )
    assert sorted(Ticket.objects.get(pk=three[0].pk).tags.values_list("name", flat=True)) == [
        "eu",
        "outage",
        "vip",
    ]
    assert "tags added: eu, outage" in _flash(client)


def test_bulk_merge_merges_into_the_oldest(client, ui, three):
    client.force_login(ui.agent)
    ids = [t.pk for t in three]
    client.post("/desk/bulk/", {"tickets": ids, "action": "merge"})
    target = min(ids)
    assert Ticket.objects.get(pk=target).status != "closed"
    assert {Ticket.objects.get(pk=i).status for i in ids if i != target} == {"closed"}
    assert f"#{max(ids)}: merged into #{target}" in _flash(client)


def test_bulk_merge_across_organizations_is_refused_per_ticket(client, ui, three):
    client.force_login(ui.agent)
    client.post(
        "/desk/bulk/",
        {"tickets": [three[0].pk, ui.bright_ticket.pk], "action": "merge", "into": three[0].pk},
    )
    assert Ticket.objects.get(pk=ui.bright_ticket.pk).status != "closed"
    assert f"#{ui.bright_ticket.pk}: refused" in _flash(client)


def test_tickets_outside_the_scope_are_not_found_and_untouched(client, ui, three):
    from sladesk.accounts.models import AgentProfile

    AgentProfile.objects.get(user=ui.agent).scope_organizations.add(ui.bright)
    client.force_login(ui.agent)
    client.post(
        "/desk/bulk/",
        {
            "tickets": [three[0].pk, ui.bright_ticket.pk],
            "action": "assign",
            "assignee": ui.agent.pk,
        },
    )
    assert Ticket.objects.get(pk=three[0].pk).assignee_id is None
    assert Ticket.objects.get(pk=ui.bright_ticket.pk).assignee_id == ui.agent.pk
    assert f"#{three[0].pk}: not found" in _flash(client)


@pytest.mark.parametrize(
    "data, problem",
    [
        ({"action": "assign", "assignee": "1"}, "Tick at least one ticket."),
        ({"tickets": ["1"], "action": "launch"}, "Select a valid choice"),
        ({"tickets": ["x"], "action": "tags", "tags": "a"}, "Select a valid choice"),
        (
            {"tickets": ["99999999999999999999"], "action": "tags", "tags": "a"},
            "Select a valid choice",
        ),
    ],
)
def test_bad_bulk_input_does_nothing_and_says_why(client, ui, data, problem):
    client.force_login(ui.agent)
    client.post("/desk/bulk/", data)
    assert problem in _flash(client)


def test_contacts_and_get_are_refused(client, ui):
    client.force_login(ui.agent)
    assert client.get("/desk/bulk/").status_code == 405
    client.force_login(ui.acme_contact.user)
    assert (
        client.post(
            "/desk/bulk/", {"tickets": [ui.acme_ticket.pk], "action": "tags", "tags": "a"}
        ).status_code
        == 403
    )
