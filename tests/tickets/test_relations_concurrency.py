"""Two agents merge two tickets into each other at the same instant (PostgreSQL, real locks):
one merge wins, the other is refused with a clear error; no deadlock, no half-merge."""

from __future__ import annotations

import threading

import pytest

from sladesk.tickets import services
from sladesk.tickets.models import Message, Status, Ticket, TicketLink
from support.workers import require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_crossed_merges_at_once_leave_exactly_one_merge(make_org, make_contact, agent, monkeypatch):
    require_postgres()
    import time

    from django.db import connection

    from sladesk.tickets.services import relations

    # each lock is held a moment before the next is asked for, so both merges are inside
    # their first lock together: locking in request order would deadlock here
    real_lock = relations._lock

    def slow_lock(ticket):
        locked = real_lock(ticket)
        time.sleep(0.3)
        return locked

    monkeypatch.setattr(relations, "_lock", slow_lock)

    org = make_org("houseware", name="Bright")
    contact = make_contact(org)
    a, b = (
        services.open_ticket(organization=org, requester=contact, subject=s, description=s)
        for s in ("a", "b")
    )
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def run(name: str, source: Ticket, target: Ticket) -> None:
        try:
            barrier.wait()
            outcomes[name] = services.merge(source, into=target, actor=agent).pk
        except Exception as exc:  # the loser's error is the outcome under test
            outcomes[name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=args) for args in (("a→b", a, b), ("b→a", b, a))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    errors = [o for o in outcomes.values() if isinstance(o, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], services.ServiceError), outcomes
    assert "is closed" in str(errors[0])
    (link,) = TicketLink.objects.filter(kind="merged")
    closed = Ticket.objects.get(pk=link.source_id)
    assert (
        closed.status == Status.CLOSED
        and Ticket.objects.get(pk=link.target_id).status != Status.CLOSED
    )
    assert set(Message.objects.filter(public=True).values_list("ticket_id", flat=True)) == {
        link.target_id
    }
