"""API for merge, split, links, escalation and the original email: contract and access."""

from __future__ import annotations

import pytest

from sladesk.tickets import services
from sladesk.tickets.models import Message, SlaClock, Status, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def second(world):
    return services.open_ticket(
        organization=world.acme,
        requester=world.acme_other,
        subject="Modem offline",
        description="modem",
        priority="P2",
    )


def test_merge_answers_the_target_with_the_moved_messages(world, second, client_for):
    api = client_for(world.agent)
    response = api.post(
        f"/api/v1/tickets/{second.pk}/merge/",
        {"into": world.acme_ticket.pk, "note": "dup"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == world.acme_ticket.pk
    assert "modem" in [m["body_text"] for m in body["messages"]]
    assert Ticket.objects.get(pk=second.pk).status == Status.CLOSED
    assert {c.state for c in SlaClock.objects.filter(ticket=second)} == {"cancelled"}
    links = api.get(f"/api/v1/tickets/{second.pk}/links/").json()
    assert links == [
        {
            "ticket": world.acme_ticket.pk,
            "relation": "merged into",
            "subject": "Fleet offline",
            "status": "open",
            "organization": world.acme.pk,
        }
    ]


def test_merge_errors_are_400_with_the_reason(world, second, client_for):
    api = client_for(world.agent)
    other_org = api.post(
        f"/api/v1/tickets/{second.pk}/merge/", {"into": world.globex_ticket.pk}, format="json"
    )
    assert other_org.status_code == 400
    assert "only tickets of the same organization" in other_org.json()["error"]["message"]
    missing = api.post(f"/api/v1/tickets/{second.pk}/merge/", {"into": 999999}, format="json")
    assert missing.status_code == 400 and missing.json()["error"]["fields"] == {
        "into": ["there is no ticket #999999"]
    }


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("post", "merge/", {"into": 1}),
        ("post", "split/", {"messages": [1]}),
        ("get", "links/", None),
        ("post", "links/", {"ticket": 1}),
        ("delete", "links/1/", None),
        ("get", "messages/1/email/", None),
    ],
)
def test_contacts_may_not_merge_split_link_or_read_raw_mail(
    world, client_for, method, suffix, data
):
    api = client_for(world.acme_contact.user)
    response = getattr(api, method)(
        f"/api/v1/tickets/{world.acme_ticket.pk}/{suffix}", data, format="json"
    )
    assert response.status_code == 403


def test_split_opens_a_ticket_with_the_messages(world, client_for):
    question = services.reply(world.acme_ticket, author=world.acme_contact, body="and the invoice?")
    api = client_for(world.agent)
    response = api.post(
        f"/api/v1/tickets/{world.acme_ticket.pk}/split/",
        {"messages": [question.pk], "subject": "Invoice"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["subject"], [m["id"] for m in body["messages"]]) == ("Invoice", [question.pk])
    assert {c["metric"] for c in body["sla"]} == {"first_response", "resolution"}
    everything = list(Message.objects.filter(ticket=world.acme_ticket).values_list("pk", flat=True))
    refused = api.post(
        f"/api/v1/tickets/{world.acme_ticket.pk}/split/", {"messages": everything}, format="json"
    )
    assert (
        refused.status_code == 400 and "nothing would remain" in refused.json()["error"]["message"]
    )


def test_links_round_trip_and_are_symmetric(world, client_for):
    api = client_for(world.agent)
    created = api.post(
        f"/api/v1/tickets/{world.acme_ticket.pk}/links/",
        {"ticket": world.globex_ticket.pk},
        format="json",
    )
    assert created.status_code == 201
    assert [
        r["relation"] for r in api.get(f"/api/v1/tickets/{world.globex_ticket.pk}/links/").json()
    ] == ["related"]
    url = f"/api/v1/tickets/{world.globex_ticket.pk}/links/{world.acme_ticket.pk}/"
    assert api.delete(url).status_code == 204
    assert api.delete(url).status_code == 404
    assert api.get(f"/api/v1/tickets/{world.acme_ticket.pk}/links/").json() == []


def test_escalate_for_the_customer_and_not_across_organizations(world, client_for):
    mine = client_for(world.globex_contact.user)
    response = mine.post(
        f"/api/v1/tickets/{world.globex_ticket.pk}/escalate/", {"reason": "down 2 h"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["escalation_role"] == "Customer Happiness Manager"
    theirs = client_for(world.acme_contact.user)
    assert (
        theirs.post(
            f"/api/v1/tickets/{world.globex_ticket.pk}/escalate/", {"reason": "x"}, format="json"
        ).status_code
        == 404
    )
    no_ladder = theirs.post(
        f"/api/v1/tickets/{world.acme_ticket.pk}/escalate/", {"reason": "x"}, format="json"
    )
    assert (
        no_ladder.status_code == 400
        and "no escalation ladder" in no_ladder.json()["error"]["message"]
    )


def test_original_email_of_a_web_message_is_404(world, client_for):
    message = Message.objects.filter(ticket=world.acme_ticket).first()
    api = client_for(world.agent)
    assert (
        api.get(f"/api/v1/tickets/{world.acme_ticket.pk}/messages/{message.pk}/email/").status_code
        == 404
    )
    other = Message.objects.filter(ticket=world.globex_ticket).first()
    assert (
        api.get(f"/api/v1/tickets/{world.acme_ticket.pk}/messages/{other.pk}/email/").status_code
        == 404
    )


def test_original_email_of_a_mailed_message_is_the_raw_bytes(world, client_for):
    from sladesk.intake.models import InboundAddress
    from sladesk.intake.pipeline import process
    from sladesk.intake.store import store_raw
    from support.mail import build_mail

    InboundAddress.objects.create(address="acme@support.example.com", organization=world.acme)
    raw = build_mail(sender="pat@acme.example", to="acme@support.example.com", subject="Help")
    row = process(store_raw(raw, envelope_to=["acme@support.example.com"]).pk)
    url = f"/api/v1/tickets/{row.ticket_id}/messages/{row.ticket_message_id}/email/"
    response = client_for(world.agent).get(url)
    assert (response.status_code, response["Content-Type"], response.content) == (
        200,
        "message/rfc822",
        raw,
    )
