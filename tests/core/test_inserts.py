"""`sladesk.core.inserts.insert_new` writes what ``bulk_create`` writes, on both databases."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Now
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def _open(org, contact, subject: str = "Devices offline"):
    from sladesk.tickets import services

    return services.open_ticket(
        organization=org, requester=contact, subject=subject, description="Please help."
    )


def _events(ticket, kinds, **kw):
    from sladesk.tickets.models import TicketEvent

    return [
        TicketEvent(ticket=ticket, kind=kind, actor_label="test", data={"n": i, "k": [kind]}, **kw)
        for i, kind in enumerate(kinds)
    ]


_COLUMNS = (
    "ticket_id",
    "at",
    "actor_user_id",
    "actor_contact_id",
    "actor_label",
    "channel",
    "kind",
    "data",
)


def _stored(objs):
    from sladesk.tickets.models import TicketEvent

    rows = TicketEvent.objects.filter(pk__in=[o.pk for o in objs]).order_by("pk")
    return [tuple(getattr(r, c) for c in _COLUMNS) for r in rows]


@pytest.mark.parametrize("count", [1, 3])
def test_insert_new_stores_the_rows_bulk_create_stores(make_org, make_contact, frozen_now, count):
    from sladesk.core.inserts import insert_new
    from sladesk.tickets.models import TicketEvent

    # given a ticket and two equal batches of new events
    org = make_org("particle-enterprise")
    ticket = _open(org, make_contact(org))
    kinds = ["note", "created", "clock"][:count]
    mine, theirs = _events(ticket, kinds), _events(ticket, kinds)
    # when one batch goes through insert_new (twice: the second with the kept statement)
    # and the other through bulk_create
    again = _events(ticket, kinds)
    with CaptureQueriesContext(connection) as queries:
        returned = insert_new(mine)
        insert_new(again)
    TicketEvent.objects.bulk_create(theirs)
    # then the instances are saved rows with their ids, in order
    assert [o.pk for o in returned] == [o.pk for o in mine] and all(o.pk for o in mine)
    assert [o.pk for o in mine] == sorted(o.pk for o in mine)
    assert all(not o._state.adding and o._state.db == "default" for o in mine + again)
    # and the stored rows are bulk_create's, with one statement per call
    assert _stored(mine) == _stored(theirs) == _stored(again)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 2


def test_insert_new_writes_the_statement_bulk_create_writes(make_org, make_contact, frozen_now):
    from sladesk.core.inserts import insert_new
    from sladesk.tickets.models import TicketEvent

    # given a ticket
    org = make_org("particle-enterprise")
    ticket = _open(org, make_contact(org))
    # when two events are written by insert_new and two by bulk_create
    with CaptureQueriesContext(connection) as mine:
        insert_new(_events(ticket, ["note", "note"]))
    with CaptureQueriesContext(connection) as theirs:
        TicketEvent.objects.bulk_create(_events(ticket, ["note", "note"]))

    # then the statements are the same text (apart from the values written into it)
    def inserts(ctx):
        return [
            q["sql"].split(" VALUES ")[0]
            for q in ctx.captured_queries
            if q["sql"].startswith("INSERT")
        ]

    assert inserts(mine) == inserts(theirs) and len(inserts(mine)) == 1


def test_insert_new_hands_what_it_cannot_write_to_bulk_create(make_org, make_contact, frozen_now):
    from sladesk.core.inserts import insert_new
    from sladesk.tickets.models import TicketEvent

    # given events with an expression as a value, and an event that already has a
    # primary key
    org = make_org("particle-enterprise")
    ticket = _open(org, make_contact(org))
    expression = _events(ticket, ["note"], at=Now())
    taken = TicketEvent.objects.order_by("-pk").first().pk + 1000
    with_pk = _events(ticket, ["note"])
    with_pk[0].pk = taken
    # when insert_new writes them
    for batch in (expression, with_pk):
        insert_new(batch)
    # then each is stored as bulk_create stores it
    assert TicketEvent.objects.get(pk=expression[0].pk).at is not None
    assert TicketEvent.objects.filter(pk=taken, kind="note").exists()


def test_more_rows_than_max_rows_are_written_as_one_bulk_create_writes_them(
    make_org, make_contact, frozen_now
):
    from sladesk.core.inserts import CHUNK_ROWS, MAX_ROWS, insert_new
    from sladesk.tickets.models import TicketEvent

    # given more events than MAX_ROWS (an email batch opening many tickets), and more
    # than SQLite's chunk
    org = make_org("particle-enterprise")
    ticket = _open(org, make_contact(org))
    few = _events(ticket, [f"few-{i}" for i in range(MAX_ROWS + 3)])
    many = _events(ticket, [f"many-{i}" for i in range(CHUNK_ROWS + 1)])
    theirs = _events(ticket, [f"theirs-{i}" for i in range(MAX_ROWS + 3)])
    # when insert_new writes them, and bulk_create writes the same number
    with CaptureQueriesContext(connection) as queries:
        insert_new(few)
        insert_new(many)
    with CaptureQueriesContext(connection) as bulk:
        TicketEvent.objects.bulk_create(theirs)
    # then each instance gets its own row's key, and a batch takes as many statements as
    # bulk_create takes (on SQLite: chunks of CHUNK_ROWS; on PostgreSQL: bulk_create's own)
    for batch in (few, many):
        stored = dict(
            TicketEvent.objects.filter(pk__in=[e.pk for e in batch]).values_list("pk", "kind")
        )
        assert [stored[e.pk] for e in batch] == [e.kind for e in batch]
        assert all(not e._state.adding for e in batch)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    bulk_inserts = [q["sql"] for q in bulk.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == (3 if connection.vendor == "sqlite" else 2)
    assert len(bulk_inserts) == 1


def test_insert_new_refuses_an_unsaved_related_instance(make_org, make_contact, frozen_now):
    from sladesk.core.inserts import insert_new
    from sladesk.tickets.models import Ticket

    # given an event of a ticket that was never saved
    events = _events(Ticket(subject="not saved"), ["note"])
    # when it is inserted
    # then it is refused as bulk_create refuses it, and nothing is written
    with pytest.raises(ValueError, match="unsaved related object"):
        insert_new(events)
    assert events[0].pk is None


def test_a_failed_insert_marks_the_transaction_for_rollback(make_org, make_contact, frozen_now):
    from sladesk.core.inserts import insert_new
    from sladesk.tickets.models import Ticket

    # given a ticket and an event missing a required value
    org = make_org("particle-enterprise")
    ticket = _open(org, make_contact(org))
    broken = _events(ticket, ["note"])
    broken[0].kind = None
    # when it is inserted inside a transaction and the error is caught
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            insert_new(broken)
        # then the transaction may not go on (as after a failed bulk_create)
        with pytest.raises(TransactionManagementError):
            Ticket.objects.count()
