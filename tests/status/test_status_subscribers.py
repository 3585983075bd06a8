"""Subscribers and linked tickets are told through the outbox: mail received by a loopback
SMTP server, webhooks by a loopback HTTP receiver."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from sladesk.notify import verify_signature
from sladesk.status.models import Subscriber, TicketIncident
from sladesk.status.services import (
    ServiceError,
    add_webhook,
    link_ticket,
    open_incident,
    open_incident_for_ticket,
    post_update,
)
from sladesk.tickets import services
from support.clock import T
from support.receivers import HttpReply
from support.timers import drain

pytestmark = pytest.mark.django_db


def _deliver(status):
    status.clock.set(status.clock.at + timedelta(seconds=1))
    drain(status.clock.at)


def _mails_to(status, address):
    return [m.message for m in status.smtp.messages if address in m.rcpt_tos]


def _link(mail, kind):
    return re.search(
        rf"https://desk\.example\.com(/status/{kind}/[^/\s]+/)", mail.get_content()
    ).group(1)


def test_email_subscription_needs_confirmation_and_ends_with_the_link(client, status):
    status.clock.set(T("2026-06-01T10:00:00+00:00"))
    # given a visitor subscribing from the public page
    response = client.post("/status/houseware/subscribe/", {"email": "Ann@Example.com"})
    assert response.status_code == 200 and b"confirmation link" in response.content
    _deliver(status)
    [confirm_mail] = _mails_to(status, "ann@example.com")
    assert "Confirm your subscription" in confirm_mail["Subject"]
    # when an incident starts before she confirms: nothing for her
    open_incident(status.page, name="First", body="x", components={status.api.pk: "major_outage"})
    _deliver(status)
    assert len(_mails_to(status, "ann@example.com")) == 1
    # when she confirms (GET shows a button, POST confirms) and another incident starts
    confirm_path = _link(confirm_mail, "confirm")
    assert b'<form method="post">' in client.get(confirm_path).content
    assert b"Subscription confirmed" in client.post(confirm_path).content
    open_incident(
        status.page,
        name="Second",
        body="Investigating the API",
        components={status.api.pk: "partial_outage"},
    )
    _deliver(status)
    # then she gets it, with a working unsubscribe link in the body and the headers
    told = _mails_to(status, "ann@example.com")[-1]
    assert "Second" in told["Subject"] and "Investigating the API" in told.get_content()
    unsubscribe_path = _link(told, "unsubscribe")
    assert told["List-Unsubscribe"] == f"<https://desk.example.com{unsubscribe_path}>"
    assert b"Unsubscribed" in client.post(unsubscribe_path).content
    open_incident(status.page, name="Third", body="x", components={status.api.pk: "major_outage"})
    _deliver(status)
    assert len(_mails_to(status, "ann@example.com")) == 2


def test_a_bad_address_is_refused_by_name(client, status):
    response = client.post("/status/houseware/subscribe/", {"email": "not-an-address"})
    assert response.status_code == 400 and b"is not an e-mail address" in response.content
    assert not Subscriber.objects.exists()


def test_signed_webhooks_per_component_are_received_on_loopback(status, http_receiver):
    receiver = http_receiver(default=HttpReply(200, "ok"))
    status.clock.set(T("2026-06-01T10:00:00+00:00"))
    whole = add_webhook(status.page, receiver.url("/whole"))
    add_webhook(status.page, receiver.url("/dashboard-only"), components=[status.dashboard.pk])
    # when an API incident is opened and resolved
    incident = open_incident(
        status.page, name="API down", body="x", components={status.api.pk: "major_outage"}
    )
    status.clock.set(status.clock.at + timedelta(minutes=30))
    post_update(incident, status="resolved", body="fixed")
    _deliver(status)
    # then only the whole-page subscriber got both, signed with its own secret
    assert [r.path for r in receiver.requests] == ["/whole", "/whole"]
    for request in receiver.requests:
        assert verify_signature(
            whole.webhook_secret,
            request.headers["x-sladesk-timestamp"],
            request.body,
            request.headers["x-sladesk-signature"],
            now=int(request.headers["x-sladesk-timestamp"]),
        )
    payloads = [r.json()["extra"] for r in receiver.requests]
    assert [p["incident"]["status"] for p in payloads] == ["investigating", "resolved"]
    assert payloads[0]["meta"]["unsubscribe"].startswith(
        "https://desk.example.com/status/unsubscribe/"
    )


def test_resolving_an_incident_tells_every_linked_ticket_by_mail(status):
    # given a Houseware P0 ticket (the team sets priority, seed 003) not from mail, and an agent
    status.clock.set(T("2026-06-01T10:00:00+00:00"))
    requester = status.make_contact(status.org, "ops@houseware-customer.example")
    ticket = services.open_ticket(
        organization=status.org,
        requester=requester,
        subject="Everything is down",
        description="help",
        priority="P0",
        actor=status.agent,
    )
    other = services.open_ticket(
        organization=status.org,
        requester=status.make_contact(status.org, "b@x.example"),
        subject="Me too",
        description="same",
        priority="P2",
    )
    # when the agent opens an incident from the P0 ticket and links the other one
    incident = open_incident_for_ticket(
        ticket, status.page, actor=status.agent, components={status.api.pk: "major_outage"}
    )
    link_ticket(other, incident, actor=status.agent)
    status.clock.set(status.clock.at + timedelta(hours=1))
    post_update(incident, status="resolved", body="The API is back.", actor=status.agent)
    _deliver(status)
    # then both requesters got a mail saying so, and both tickets carry the reply
    for address, t in (("ops@houseware-customer.example", ticket), ("b@x.example", other)):
        [mail] = _mails_to(status, address)
        assert "The API is back." in mail.get_content() and f"[#{t.pk}]" in mail["Subject"]
        assert t.messages.filter(public=True, body_text__contains="has been resolved").exists()
    assert TicketIncident.objects.filter(told_at__isnull=False).count() == 2
    # and a second resolution (reopen, resolve) does not tell them again
    post_update(incident, status="investigating", body="Again")
    post_update(incident, status="resolved", body="Really fixed")
    _deliver(status)
    assert len(_mails_to(status, "b@x.example")) == 1


def test_only_agents_open_incidents_and_only_from_the_most_urgent_tickets(status):
    requester = status.make_contact(status.org)
    urgent = services.open_ticket(
        organization=status.org,
        requester=requester,
        subject="s",
        description="d",
        priority="P0",
        actor=status.agent,
    )
    normal = services.open_ticket(
        organization=status.org, requester=requester, subject="s", description="d", priority="P2"
    )
    with pytest.raises(ServiceError, match="most urgent priority"):
        open_incident_for_ticket(normal, status.page, actor=status.agent)
    with pytest.raises(ServiceError, match="only agents"):
        open_incident_for_ticket(urgent, status.page, actor=None)


def test_the_page_form_subscribes_to_chosen_components_only(client, status):
    # given a visitor ticking only the dashboard on the public page
    html = client.get("/status/houseware/").content.decode()
    assert f'value="{status.dashboard.public_id}"' in html
    client.post(
        "/status/houseware/subscribe/",
        {"email": "dee@example.com", "component": [status.dashboard.public_id]},
    )
    sub = Subscriber.objects.get(email="dee@example.com")
    assert list(sub.components.all()) == [status.dashboard]
