"""Batched firing: a pass fires a whole batch of due timers in a handful of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sladesk.notify import timers
from sladesk.notify.models import OutboxMessage, Timer
from sladesk.tickets import services
from sladesk.tickets.models import SlaClock, TicketEvent

pytestmark = pytest.mark.django_db

K = 20


def _open(desk, n, priority="P2"):
    org = desk.make_org("particle-enterprise", region="na")
    contact = desk.make_contact(org)
    return [
        services.open_ticket(
            organization=org,
            requester=contact,
            subject=f"s{i}",
            description="d",
            priority=priority,
            team=desk.team,
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("kind", ["warning", "breach"])
def test_a_batch_of_due_timers_fires_in_a_bounded_number_of_queries(desk, kind, query_count):
    # given K tickets whose first-response timers of one kind are due
    tickets = _open(desk, K)
    due = Timer.objects.filter(ticket__in=tickets, kind=kind, clock__metric="first_response")
    assert due.count() == K
    at = max(due.values_list("fire_at", flat=True)) + timedelta(seconds=1)
    Timer.objects.exclude(pk__in=due.values("pk")).filter(state="pending").update(
        fire_at=at + timedelta(days=365)
    )
    # when one pass fires them
    with query_count(f"one pass firing {K} {kind} timers") as captured:
        handled = timers.fire_due(now=at)
    # then each fired once, with its notification and its log entry
    assert handled == K
    assert due.filter(state="fired").count() == K
    assert OutboxMessage.objects.filter(purpose=kind).count() == K
    assert TicketEvent.objects.filter(kind="notify", data__action=kind).count() == K
    if kind == "breach":
        breached = SlaClock.objects.filter(
            ticket__in=tickets, metric="first_response", state="breached"
        )
        assert breached.count() == K
        assert (
            TicketEvent.objects.filter(
                kind="clock", ticket__in=tickets, data__to="breached"
            ).count()
            == K
        )
    queries = len(captured.captured_queries)
    print(f"{kind}: {queries} queries for {K} timers ({queries / K:.1f} per timer)")


def test_a_timer_that_cannot_fire_stays_pending_and_the_rest_of_its_batch_fires(desk, monkeypatch):
    # given five due warnings, one of which raises while its notification is written
    from sladesk.notify import moments as actions

    tickets = _open(desk, 5)
    bad = tickets[2]
    real_texts = actions._texts

    def texts(ticket, clock, kind):
        if ticket.pk == bad.pk:
            raise RuntimeError("a bug")
        return real_texts(ticket, clock, kind)

    monkeypatch.setattr(actions, "_texts", texts)
    due = Timer.objects.filter(ticket__in=tickets, kind="warning", clock__metric="first_response")
    at = max(due.values_list("fire_at", flat=True)) + timedelta(seconds=1)
    # when the worker passes
    timers.fire_due(now=at)
    # then the batch fell back to one by one: the bad timer is pending, the others fired once
    assert due.get(ticket=bad).state == "pending"
    assert due.filter(state="fired").count() == 4
    assert OutboxMessage.objects.filter(purpose="warning").count() == 4


def test_a_breach_and_its_warning_due_in_one_batch_fire_in_order_once(desk):
    # given a ticket whose warning and breach were both missed (downtime)
    [ticket] = _open(desk, 1)
    clock_timers = Timer.objects.filter(ticket=ticket, clock__metric="first_response")
    at = clock_timers.get(kind="breach").fire_at + timedelta(hours=1)
    # when the worker comes back
    timers.fire_due(now=at)
    timers.fire_due(now=at)
    # then both fired once, late, the warning first; the clock is breached at its due instant
    fired = list(clock_timers.order_by("fire_at"))
    assert [(t.kind, t.state, t.late) for t in fired] == [
        ("warning", "fired", True),
        ("breach", "fired", True),
    ]
    clock = SlaClock.objects.get(ticket=ticket, metric="first_response")
    assert clock.state == "breached" and clock.breached_at == fired[1].fire_at
    notes = TicketEvent.objects.filter(ticket=ticket, kind="notify").order_by("id")
    assert [e.data["action"] for e in notes] == ["warning", "breach"]
