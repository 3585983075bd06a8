"""Content (issue 13 item 5): HTML from the API goes through the same sanitizer as mail
(no remote resources), a subject with CR or LF is refused with 400, and an outbound mail
that can never be built is dead at once with the reason."""

from __future__ import annotations

import smtplib

import pytest

from sladesk.intake.pipeline import process_pending
from sladesk.notify.models import OutboxMessage
from sladesk.notify.worker import drain
from sladesk.tickets.models import EventKind, Message, Ticket
from support.mail import DOMAIN, build_mail


@pytest.mark.django_db
@pytest.mark.parametrize(
    "html",
    [
        '<p>see <img src="http://tracker.example/open.png"></p>',
        '<p>see <img src="//tracker.example/open.png"></p>',
        '<p>see <img src="https://tracker.example/open.png"'
        ' srcset="https://t.example/a.png 2x"></p>',
    ],
)
def test_api_html_loses_remote_images_like_mail(world, client_for, html):
    # when an agent replies through the API with a remote image
    answer = client_for(world.agent).post(
        f"/api/v1/tickets/{world.acme_ticket.pk}/reply/",
        {"body": "see", "html": html},
        format="json",
    )
    # then the stored HTML keeps the text but no remote resource
    assert answer.status_code == 201
    stored = Message.objects.get(pk=answer.json()["id"]).body_html
    assert "see" in stored and "tracker.example" not in stored and "t.example" not in stored


@pytest.mark.django_db
@pytest.mark.parametrize(
    "subject", ["Fleet\r\nBcc: everyone@example.com", "two\nlines", "cr\ronly"]
)
def test_a_subject_with_cr_or_lf_is_refused_with_400(world, client_for, subject):
    client = client_for(world.agent)
    # when a ticket is created or renamed with a line break in the subject
    created = client.post(
        "/api/v1/tickets/",
        {
            "subject": subject,
            "description": "d",
            "organization": world.acme.pk,
            "requester": world.acme_contact.email,
        },
        format="json",
    )
    renamed = client.patch(
        f"/api/v1/tickets/{world.acme_ticket.pk}/", {"subject": subject}, format="json"
    )
    # then both are refused, naming the field
    assert created.status_code == renamed.status_code == 400
    assert "one line" in created.content.decode() and "one line" in renamed.content.decode()
    assert not Ticket.objects.filter(subject=subject).exists()


@pytest.mark.django_db
def test_the_service_refuses_a_multiline_subject_too(world):
    from sladesk.tickets import services

    with pytest.raises(services.ServiceError, match="one line"):
        services.open_ticket(
            organization=world.acme, requester=world.acme_contact, subject="a\nb", description="d"
        )


@pytest.mark.django_db(transaction=True)
def test_an_unbuildable_mail_is_dead_at_once_with_the_reason(smtp_server, acme, capture):
    # given a mailed ticket whose acknowledgement's subject holds a line break (a row queued
    # before subjects were checked)
    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=10) as client:
        client.sendmail("jane@acme.example", [f"acme@{DOMAIN}"], build_mail(subject="Help"))
    process_pending()
    row = OutboxMessage.objects.get(purpose="acknowledgement")
    row.payload["extra"]["mail"]["subject"] = "Re: [#1] Help\r\nBcc: everyone@example.com"
    row.save(update_fields=["payload"])
    # when the outbox delivers (15 attempts allowed by default)
    drain(timers_on=False)
    # then it is dead after one attempt, saying why, and nothing was sent
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("dead", 1)
    assert (
        "the message cannot be built: ValueError: Header values may not contain linefeed"
        in row.last_error
    )
    assert capture.messages == []
    ticket = Ticket.objects.get()
    assert [e.data.get("outcome") for e in ticket.events.filter(kind=EventKind.NOTIFY)] == [
        "queued",
        "dead",
    ]
