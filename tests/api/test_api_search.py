"""``GET /api/v1/tickets/?q=``: full-text search through the API, combined with the other
filters and cursor paging; agents search internal notes, contacts only what they may read.

``world`` (support.fixtures.api): Acme's "Fleet offline" (public reply "On it", internal
note "internal: check the firmware") and Globex's "Dashboard blank" (note "internal: known
issue").
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

URL = "/api/v1/tickets/"


def _numbers(client: Any, **params: Any) -> list[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_agent_finds_internal_note_text(world: SimpleNamespace, client_for: Any) -> None:
    assert _numbers(client_for(world.agent), q="firmware") == [world.acme_ticket.pk]
    assert _numbers(client_for(world.agent), q="known issue") == [world.globex_ticket.pk]


def test_contact_searches_public_text_of_own_organization(
    world: SimpleNamespace, client_for: Any
) -> None:
    contact = client_for(world.acme_contact.user)
    assert _numbers(contact, q="devices dropped") == [world.acme_ticket.pk]  # the description
    assert _numbers(contact, q="firmware") == []  # an internal note: not theirs
    assert _numbers(contact, q="dashboard") == []  # another organization's ticket
    assert _numbers(contact, q=f"#{world.globex_ticket.pk}") == []


def test_q_combines_with_filters_and_pages(world: SimpleNamespace, client_for: Any) -> None:
    from sladesk.tickets import services

    # given three more Acme tickets about "relay"
    more = [
        services.open_ticket(
            organization=world.acme,
            requester=world.acme_contact,
            subject=f"Relay {i}",
            description="x",
        ).pk
        for i in range(3)
    ]
    agent = client_for(world.agent)
    # then ?q= with another filter narrows both ways
    assert _numbers(agent, q="relay", organization=world.globex.pk) == []
    assert sorted(_numbers(agent, q="relay", organization=world.acme.pk)) == sorted(more)
    # and cursor paging walks the matches, newest first, without repeats
    first = agent.get(URL, {"q": "relay", "page_size": 2}).json()
    assert [r["id"] for r in first["results"]] == sorted(more, reverse=True)[:2]
    second = agent.get(first["next"]).json()
    assert [r["id"] for r in second["results"]] == [min(more)]
    assert second["next"] is None


@pytest.mark.parametrize(
    "q", ['"', "*", "' OR 1=1 --", "a & b | !c", "NEAR(x y)", "{subject}: x", "\\", ""]
)
def test_hostile_q_is_a_search_not_an_error(
    world: SimpleNamespace, client_for: Any, q: str
) -> None:
    response = client_for(world.agent).get(URL, {"q": q})
    assert response.status_code == 200


def test_too_long_q_is_a_clear_error(world: SimpleNamespace, client_for: Any) -> None:
    response = client_for(world.agent).get(URL, {"q": "x" * 501})
    assert response.status_code == 400
    assert "q" in str(response.json())


def test_q_is_in_the_openapi_schema(client_for: Any, db: None) -> None:
    schema = client_for(None).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    params = schema.json()["paths"][URL]["get"]["parameters"]
    assert any(p["name"] == "q" and "phrases" in p.get("description", "") for p in params)
