"""Ids no row can have (20 digits, or just past 2**63 - 1) are 404, never 500, on SQLite and
PostgreSQL alike; search and filter parameters that big find nothing."""

from __future__ import annotations

import pytest

_HUGE = ["99999999999999999999", str(2**63)]


@pytest.mark.parametrize("number", _HUGE)
@pytest.mark.parametrize(
    "path",
    [
        "/desk/messages/{n}/email/",
        "/desk/messages/{n}/email.eml",
        "/desk/tickets/{n}/",
        "/desk/tickets/{n}/clocks/",
        "/desk/attachments/{n}/",
        "/desk/mail/{n}/raw/",
    ],
)
def test_desk_pages_with_impossible_ids_are_404(world, client, path, number):
    client.force_login(world.agent)
    assert client.get(path.format(n=number)).status_code == 404


@pytest.mark.parametrize("number", _HUGE)
def test_portal_pages_with_impossible_ids_are_404(world, client, number):
    client.force_login(world.acme_contact.user)
    assert client.get(f"/portal/tickets/{number}/").status_code == 404
    assert client.get(f"/portal/attachments/{number}/").status_code == 404


@pytest.mark.parametrize("number", _HUGE)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/tickets/{n}/",
        "/api/v1/tickets/{n}/links/",
        "/api/v1/organizations/{n}/",
        "/api/v1/contacts/{n}/",
        "/api/v1/pages/{n}/ack/",
    ],
)
def test_api_paths_with_impossible_ids_are_404(world, client_for, path, number):
    response = client_for(world.admin).get(path.format(n=number))
    assert response.status_code == 404


def test_the_largest_possible_id_is_asked_for_and_simply_not_found(world, client):
    # 2**63 - 1 fits a bigint: a real lookup, no row
    client.force_login(world.agent)
    assert client.get(f"/desk/tickets/{2**63 - 1}/").status_code == 404


@pytest.mark.parametrize(
    "query",
    ["q=99999999999999999999", "organization=99999999999999999999", "page=99999999999999999999"],
)
def test_inbox_search_with_impossible_numbers_finds_nothing(world, client, query):
    client.force_login(world.agent)
    response = client.get(f"/desk/?{query}")
    assert response.status_code == 200
    if not query.startswith("page"):
        assert response.context["rows"] == []


def test_merging_into_an_impossible_ticket_number_is_a_clear_error(world, client_for):
    response = client_for(world.agent).post(
        f"/api/v1/tickets/{world.acme_ticket.pk}/merge/",
        {"into": 99999999999999999999},
        format="json",
    )
    assert response.status_code == 400 and "into" in response.json()["error"]["fields"]
