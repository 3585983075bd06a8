"""The escalation level lives in the ticket's own columns: a contact (or anyone) writing
``custom_fields.escalation_level`` is refused and the level stays; only escalating moves it.

``world`` (support.fixtures.api): Globex runs Houseware's policy, whose ladder has three rungs.
"""

from __future__ import annotations

import importlib

import pytest


def test_a_contact_patching_the_escalation_level_is_refused_and_the_level_stays(world, client_for):
    # given Globex's contact and its ticket, not escalated
    api = client_for(world.globex_contact.user)
    url = f"/api/v1/tickets/{world.globex_ticket.pk}/"
    # when the contact PATCHes the escalation level to the top rung
    response = api.patch(url, {"custom_fields": {"escalation_level": 3}}, format="json")
    # then it is refused, naming the field, and the level stays 0
    assert response.status_code == 400
    assert "escalation_level" in str(response.json())
    world.globex_ticket.refresh_from_db()
    assert (world.globex_ticket.escalation_level, world.globex_ticket.custom_fields) == (0, {})
    assert api.get(url).json()["escalation_level"] == 0


@pytest.mark.parametrize("key", ["escalation_level", "escalation_role", "escalation_reason"])
def test_no_one_opens_a_ticket_with_escalation_custom_fields(world, client_for, key):
    # given the contact and an agent
    for user, body in (
        (world.globex_contact.user, {}),
        (world.agent, {"organization": world.globex.pk, "requester": "kim@globex.example"}),
    ):
        # when either opens a ticket naming the escalation as a custom field
        response = client_for(user).post(
            "/api/v1/tickets/",
            {
                **body,
                "subject": "s",
                "description": "d",
                "custom_fields": {key: "3"},
            },
            format="json",
        )
        # then it is refused
        assert response.status_code == 400 and key in str(response.json())


def test_the_services_refuse_escalation_custom_fields_whoever_calls(world):
    # given an agent calling the service directly (the desk's fields form does)
    from sladesk.tickets import services

    # when it writes the escalation as a custom field
    with pytest.raises(services.ServiceError, match="escalation_level is not a custom field"):
        services.update_fields(
            world.globex_ticket, custom_fields={"escalation_level": 3}, actor=world.agent
        )
    # then the level did not move
    world.globex_ticket.refresh_from_db()
    assert world.globex_ticket.escalation_level == 0


def test_the_desk_fields_form_cannot_set_the_level(world, client):
    client.force_login(world.agent)
    client.post(
        f"/desk/tickets/{world.globex_ticket.pk}/fields/",
        {"tags": "", "custom_fields": "escalation_level: 3"},
    )
    world.globex_ticket.refresh_from_db()
    assert world.globex_ticket.escalation_level == 0


def test_escalating_climbs_one_rung_and_the_api_shows_it(world, client_for):
    # given the contact escalating through the API
    api = client_for(world.globex_contact.user)
    # when it escalates once
    response = api.post(
        f"/api/v1/tickets/{world.globex_ticket.pk}/escalate/",
        {"reason": "down for days"},
        format="json",
    )
    # then the level is 1, shown as the ticket's own fields, not as a custom field
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["escalation_level"], body["escalation_role"]) == (1, "Customer Happiness Manager")
    assert "escalation_level" not in body["custom_fields"]


def test_the_migration_moves_existing_levels_out_of_the_custom_fields(world):
    # given a ticket escalated the old way (the level in its custom fields)
    from django.apps import apps

    from sladesk.tickets.models import Ticket

    old = {
        "environment": "prod",
        "escalation_level": 2,
        "escalation_role": "Head of Customer Experience",
        "escalation_reason": "slow",
    }
    Ticket.objects.filter(pk=world.globex_ticket.pk).update(custom_fields=old)
    migration = importlib.import_module("sladesk.tickets.migrations.0007_escalation_fields")
    # when the migration's data step runs
    migration.copy_out(apps, None)
    # then the level, role and reason are columns and the custom fields keep the rest
    ticket = Ticket.objects.get(pk=world.globex_ticket.pk)
    assert (ticket.escalation_level, ticket.escalation_role, ticket.escalation_reason) == (
        2,
        "Head of Customer Experience",
        "slow",
    )
    assert ticket.custom_fields == {"environment": "prod"}
    # and the reverse puts them back
    migration.copy_back(apps, None)
    assert Ticket.objects.get(pk=ticket.pk).custom_fields == old
