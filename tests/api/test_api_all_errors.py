"""The API reports every problem of a request in one 400, not one per try (issue 14, item 7)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(agent):
    client = APIClient()
    client.force_authenticate(agent)
    return client


def _fields(response) -> set[str]:
    assert response.status_code == 400, response.content
    return set(response.json()["error"]["fields"])


def test_an_empty_create_names_every_missing_field(api):
    # when an agent posts nothing, then subject, organization and requester are all named
    assert _fields(api.post("/api/v1/tickets/", {}, format="json")) == {
        "subject",
        "organization",
        "requester",
    }


def test_field_errors_and_object_level_errors_come_together(api, make_org):
    org = make_org("particle-enterprise")
    # given a bad type, a missing subject and an organization that does not exist
    body = {"organization": org.pk + 1000, "requester": "pat@acme.example", "tags": "not-a-list"}
    # then the missing subject, the bad tags and the unknown organization arrive in one answer
    assert _fields(api.post("/api/v1/tickets/", body, format="json")) == {
        "subject",
        "tags",
        "organization",
    }


def test_a_patch_names_every_bad_field(api, make_org, make_contact):
    org = make_org("particle-enterprise")
    contact = make_contact(org)
    ticket = api.post(
        "/api/v1/tickets/",
        {"subject": "x", "organization": org.pk, "requester": contact.email},
        format="json",
    ).json()
    body = {"priority": "P9", "status": "zzz", "team": 99999, "assignee": 99999}
    response = api.patch(f"/api/v1/tickets/{ticket['id']}/", body, format="json")
    # then the bad status, the unknown priority, its missing reason, team and assignee at once
    assert _fields(response) == {"status", "priority", "reason", "team", "assignee"}
    assert "P9" in response.json()["error"]["message"]
