"""Per-contact and per-organization ticket-creation limits in the portal and the API:
429 with Retry-After, the window slides, agents and other organizations are not fenced."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from rest_framework.test import APIClient

from sladesk.tickets.models import Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.SLADESK_TICKET_LIMITS = {"per_contact": 3, "per_organization": 5, "window_seconds": 600}


@pytest.fixture
def acme(make_org):
    return make_org("particle-enterprise", name="Acme")


def _api_for(user) -> APIClient:
    api = APIClient()
    api.force_authenticate(user)
    return api


def _api_create(api: APIClient, n: int = 0):
    return api.post("/api/v1/tickets/", {"subject": f"Down {n}", "description": "d"}, format="json")


def test_a_contact_may_open_three_tickets_then_gets_429_with_retry_after(acme, make_contact, frozen_now):
    # given pat, who opened three tickets through the API
    start = frozen_now.set(frozen_now())
    api = _api_for(make_contact(acme, "pat@acme.example", login=True).user)
    for n in range(3):
        frozen_now.set(start + timedelta(seconds=n))
        assert _api_create(api, n).status_code == 201
    # when pat tries a fourth within the window
    frozen_now.set(start + timedelta(seconds=10))
    refused = _api_create(api, 3)
    # then 429 in the envelope, saying why, with Retry-After till the oldest leaves the window
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "throttled"
    assert "opened 3 tickets" in refused.json()["error"]["message"]
    assert int(refused["Retry-After"]) == 590
    assert Ticket.objects.count() == 3
    # and once the first ticket is older than the window, pat may open one again
    frozen_now.set(start + timedelta(seconds=601))
    assert _api_create(api, 4).status_code == 201


def test_the_portal_refuses_with_429_and_keeps_what_was_typed(acme, make_contact):
    # given pat at the limit (three portal tickets)
    contact = make_contact(acme, "pat@acme.example", login=True)
    client = Client()
    client.force_login(contact.user)
    form = {"subject": "Sensor offline", "description": "Unit 7 stopped reporting", "priority": "P3"}
    for _ in range(3):
        assert client.post("/portal/new/", form).status_code == 302
    # when pat submits a fourth
    refused = client.post("/portal/new/", {**form, "subject": "Fourth one"})
    # then the page says why with 429 and Retry-After, and the subject is still in the form
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    body = refused.content.decode()
    assert "You opened 3 tickets" in body and "Fourth one" in body


def test_the_organization_limit_counts_all_its_contacts(acme, make_org, make_contact):
    # given five tickets from five different Acme contacts (each under their own limit)
    for n in range(5):
        assert _api_create(_api_for(make_contact(acme, f"c{n}@acme.example", login=True).user)).status_code == 201
    # then a sixth Acme contact is refused, naming the organization
    sixth = _api_create(_api_for(make_contact(acme, "c6@acme.example", login=True).user))
    assert sixth.status_code == 429 and "Your organization opened 5" in sixth.json()["error"]["message"]
    # while a contact of another organization is not affected
    globex = make_org("particle-enterprise", name="Globex")
    assert _api_create(_api_for(make_contact(globex, "g@globex.example", login=True).user)).status_code == 201


def test_agents_opening_tickets_for_contacts_are_not_fenced(acme, make_contact, agent):
    contact = make_contact(acme, "pat@acme.example")
    api = _api_for(agent)
    body = {"subject": "Phone call", "description": "d", "organization": acme.pk, "requester": contact.email}
    statuses = [api.post("/api/v1/tickets/", body, format="json").status_code for _ in range(6)]
    assert statuses == [201] * 6
