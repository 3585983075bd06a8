"""`insert_rows` writes what ``bulk_create`` writes: the same column values, the primary
keys set on the objects in order, several statements when SQLite's parameter limit needs
them, a unique clash raised, and ``bulk_create`` itself for what its fast path does not do."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext

from sladesk.core.bulk import insert_rows
from sladesk.intake.models import EmailMessageId
from sladesk.tickets import services
from sladesk.tickets.models import Channel, EventKind, Ticket, TicketEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(make_org, make_contact) -> Ticket:
    org = make_org("particle-enterprise", region="na")
    return services.open_ticket(organization=org, requester=make_contact(org), subject="s", description="d")


def _events(ticket: Ticket, n: int, tag: str) -> list[TicketEvent]:
    at = ticket.created_at
    return [
        TicketEvent(ticket=ticket, at=at + timedelta(seconds=i), actor_contact=ticket.requester, actor_label=f"{tag}{i}",
                    channel=Channel.EMAIL, kind=EventKind.NOTIFY, data={"i": i, "nested": {"list": [1, None]}, "u": "é"})
        for i in range(n)
    ]


def _stored(pks: list[int]) -> list[dict]:
    by_pk = {e.pk: e for e in TicketEvent.objects.filter(pk__in=pks)}
    return [{k: v for k, v in model_to_dict(by_pk[pk]).items() if k not in ("id", "actor_label")} for pk in pks]


def test_the_same_rows_as_bulk_create(ticket):
    # given two identical lists of events
    django_made, ours = _events(ticket, 5, "d"), _events(ticket, 5, "o")
    # when one goes through bulk_create, the other through insert_rows
    TicketEvent.objects.bulk_create(django_made)
    insert_rows(ours)
    # then every object has its row's id, the rows hold the same values, in order
    assert all(e.pk is not None and not e._state.adding for e in ours)
    assert [TicketEvent.objects.get(pk=e.pk).actor_label for e in ours] == [f"o{i}" for i in range(5)]
    assert _stored([e.pk for e in ours]) == _stored([e.pk for e in django_made])


def test_a_foreign_key_assigned_before_its_row_was_saved(make_org, make_contact):
    # given an event built on a ticket that had no id yet (as open_tickets builds them)
    org = make_org("particle-enterprise", region="na")
    first = services.open_ticket(organization=org, requester=make_contact(org), subject="s", description="d")
    unsaved = Ticket(**{f.attname: getattr(first, f.attname) for f in Ticket._meta.concrete_fields if f.attname != "id"})
    event = TicketEvent(ticket=unsaved, kind=EventKind.NOTE, data={})
    insert_rows([unsaved])
    # when it is inserted
    insert_rows([event])
    # then it points at the ticket's id
    assert TicketEvent.objects.get(pk=event.pk).ticket_id == unsaved.pk


def test_more_rows_than_one_statement_takes_on_sqlite(ticket):
    # given more events than SQLite's 999 parameters allow in one INSERT
    events = _events(ticket, 400, "x")
    # when inserted
    with CaptureQueriesContext(connection) as queries:
        insert_rows(events)
    inserts = [q for q in queries if q["sql"].startswith("INSERT")]
    # then all are there with their own ids, in several statements on SQLite, one on PostgreSQL
    assert len({e.pk for e in events}) == 400
    assert [TicketEvent.objects.get(pk=e.pk).data["i"] for e in events[::57]] == list(range(0, 400, 57))
    assert len(inserts) == (1 if connection.vendor == "postgresql" else -(-400 // (999 // 8)))


def test_a_unique_clash_raises(ticket):
    # given a received Message-ID
    EmailMessageId.objects.create(message_id="<a@x>", direction=EmailMessageId.IN, ticket=ticket)
    # when the same id is inserted again, then the insert fails (the batch rolls back)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows([EmailMessageId(message_id="<a@x>", direction=EmailMessageId.IN, ticket=ticket)])


def test_a_preset_primary_key_goes_through_bulk_create(ticket):
    # given an event whose id is chosen by the caller
    event = TicketEvent(pk=987654, ticket=ticket, kind=EventKind.NOTE, data={})
    # when inserted, then it keeps that id
    insert_rows([event])
    assert TicketEvent.objects.filter(pk=987654).exists()
