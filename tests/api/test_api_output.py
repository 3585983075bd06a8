"""The hand-written ticket output (`sladesk.api.serializers.output`) is the documented shape.

The API writes tickets as plain dicts for speed; the DRF serializers stay the schema. These
tests hold the two equal, value for value, for tickets in every clock state, and check
that a create answers exactly what reading the ticket back answers.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from support.api import T

pytestmark = pytest.mark.django_db


def _plain(data):
    """What a client receives: rendered to JSON and parsed back."""
    from rest_framework.renderers import JSONRenderer

    return json.loads(JSONRenderer().render(data))


@pytest.fixture
def varied(world, frozen_now):
    """Tickets whose clocks are running, paused, met, breached and cancelled, with tags and
    custom fields, as of ``frozen_now`` moved on by a few days."""
    from sladesk.tickets import services
    from sladesk.tickets.models import Attachment

    tagged = services.open_ticket(
        organization=world.acme,
        requester=world.acme_contact,
        subject="Tagged",
        description="d",
        priority="P3",
        tags=["cluster:c42", "bulk"],
        custom_fields={"device_os_supported": True, "devices_affected": 12},
    )
    paused = services.open_ticket(
        organization=world.acme,
        requester=world.acme_contact,
        subject="Paused",
        description="d",
        priority="P2",
    )
    reply = services.reply(paused, author=world.agent, body="Please send logs")
    Attachment.objects.create(
        message=reply,
        file="attachments/howto.txt",
        filename="howto.txt",
        content_type="text/plain",
        size=42,
    )
    services.set_pending(paused, actor=world.agent, reason="waiting for logs")
    solved = services.open_ticket(
        organization=world.globex,
        requester=world.globex_contact,
        subject="Solved",
        description="d",
    )
    services.assign(solved, team=world.team, assignee=world.agent, actor=world.agent)
    services.solve(solved, actor=world.agent, reason="fixed")
    frozen_now.set(frozen_now.at + timedelta(days=9))  # the running clocks are now past due
    return [world.acme_ticket, world.globex_ticket, tagged, paused, solved]


def test_hand_written_detail_equals_the_documented_serializer(world, varied):
    from sladesk.api.serializers import TicketDetailSerializer, output
    from sladesk.core import time as core_time
    from sladesk.tickets import access, selectors
    from sladesk.tickets.models import Message

    now = core_time.now()
    for ticket in varied:
        for user in (world.agent, world.acme_contact.user):
            if not access.visible_tickets(user).filter(pk=ticket.pk).exists():
                continue
            reference = TicketDetailSerializer(
                selectors.get_ticket(user, ticket.pk), context={"now": now}
            ).data
            [row] = selectors.ticket_summaries([ticket.pk], now)
            messages = selectors.with_attachments(
                access.visible_messages(user, Message.objects.filter(ticket=ticket))
            )

            assert _plain(output.ticket_data(row, messages)) == _plain(reference)


def test_hand_written_list_equals_the_documented_serializer(world, varied, client_for):
    from sladesk.api.serializers import TicketSerializer
    from sladesk.core import time as core_time
    from sladesk.tickets import selectors

    expected = TicketSerializer(
        selectors.ticket_list(world.agent).order_by("-id"),
        many=True,
        context={"now": core_time.now()},
    ).data

    body = client_for(world.agent).get("/api/v1/tickets/").json()

    assert body["results"] == _plain(expected)
    assert {c["state"] for t in body["results"] for c in t["sla"]} >= {
        "paused",
        "met",
        "breached",
        "cancelled",
    }


def test_attachments_are_read_only_for_tickets_that_have_some(
    world, varied, client_for, query_count
):
    api = client_for(world.agent)
    api.get(f"/api/v1/tickets/{varied[2].pk}/")  # the role lookup is cached from here on
    paused, tagged = varied[3], varied[2]

    with query_count("ticket detail with a file") as files:
        with_files = api.get(f"/api/v1/tickets/{paused.pk}/").json()
    with query_count("ticket detail without files") as no_files:
        api.get(f"/api/v1/tickets/{tagged.pk}/")

    # ticket, tags, clocks, messages (with an EXISTS per message) [+ their attachments]
    assert len(files.captured_queries) == len(no_files.captured_queries) + 1
    assert [a["filename"] for m in with_files["messages"] for a in m["attachments"]] == [
        "howto.txt"
    ]


def test_create_answers_what_reading_the_ticket_back_answers(world, client_for):
    api = client_for(world.agent)

    created = api.post(
        "/api/v1/tickets/",
        {
            "subject": "OTA stalls",
            "description": "Half the fleet",
            "priority": "P1",
            "organization": world.acme.pk,
            "requester": "PAT@acme.example",
            "custom_fields": {"device_os_supported": False},
            "tags": ["fleet"],
        },
        format="json",
    )

    assert created.status_code == 201
    body = created.json()
    assert body == api.get(f"/api/v1/tickets/{body['id']}/").json()
    assert body["requester"] == "pat@acme.example"
    assert body["created_at"] == "2026-11-26T00:30:00Z"
    assert T(body["sla"][0]["due_at"]).utcoffset() == timedelta(hours=-8)


def test_a_token_request_costs_one_query_for_the_user_and_its_role(world, query_count):
    from rest_framework.test import APIClient

    from sladesk.signin.tokens import issue_token

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(world.agent, 'test')[1]}")
    api.get("/api/v1/tickets/?limit=1")  # the token's first use records last_used_at (a write)

    # token + user + role rows (1), the page's rows selected by id (1), tags (1), clocks (1)
    with query_count("ticket list by token"):
        assert api.get("/api/v1/tickets/").status_code == 200


def test_create_reads_back_nothing_it_wrote(world, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = client_for(world.agent)
    payload = {
        "subject": "Sensor offline",
        "description": "One unit",
        "priority": "P3",
        "organization": world.acme.pk,
        "requester": "pat@acme.example",
    }

    with CaptureQueriesContext(connection) as queries:
        created = api.post("/api/v1/tickets/", payload, format="json")

    assert created.status_code == 201
    written = ('"tickets_slaclock"', '"tickets_message"', '"tickets_ticket_tags"', '"notify_timer"')
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT") and any(t in q["sql"] for t in written)
    ]
    assert reads == []  # the answer is built from ticket.opening; new clocks have no timers
    assert [c["metric"] for c in created.json()["sla"]] == ["first_response", "resolution"]
    assert len(created.json()["messages"]) == 1
