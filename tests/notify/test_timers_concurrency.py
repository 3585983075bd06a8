"""Four worker processes, 10,000 timers due in the same second: each fires exactly once.

The timers are warnings; they are fired in batches (100 per claim here), so the test takes
about 30 s on a 2-core machine (221 s when each timer fired alone); breaches go through the
same batch code and are covered one by one in test_timers_clocks.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from sladesk.core.database import db_now
from sladesk.notify.models import OutboxMessage, Timer
from sladesk.tickets import services
from sladesk.tickets.models import SlaClock, Ticket, TicketEvent
from support.workers import require_postgres, worker_process

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

N = 10_000


def _ten_thousand_due_timers(make_org, make_contact, team):
    """N tickets of one organization, each with a running first-response clock and its
    warning timer, all due one second ago (bulk-inserted: the services would take minutes)."""
    org = make_org("particle-enterprise", region="na")
    template = services.open_ticket(
        organization=org, requester=make_contact(org), subject="t", description="d", priority="P2"
    )
    Timer.objects.all().delete()
    due = db_now().replace(microsecond=0) - timedelta(seconds=1)
    fields = {
        f: getattr(template, f)
        for f in (
            "requester_id",
            "organization_id",
            "policy_version_id",
            "policy_name",
            "plan",
            "region",
            "priority",
            "channel",
        )
    }
    tickets = Ticket.objects.bulk_create(
        [
            Ticket(
                subject=f"load {i}",
                status="open",
                team=team,
                created_at=due,
                updated_at=due,
                **fields,
            )
            for i in range(N)
        ],
        batch_size=2000,
    )
    clocks = SlaClock.objects.bulk_create(
        [
            SlaClock(
                ticket=t,
                metric="first_response",
                started_at=due - timedelta(hours=4),
                running_since=due - timedelta(hours=4),
                target_work=timedelta(hours=4),
                calendar_name="na",
                due_at=due + timedelta(hours=1),
                warn_at=due,
            )
            for t in tickets
        ],
        batch_size=2000,
    )
    Timer.objects.bulk_create(
        [
            Timer(ticket=c.ticket, clock=c, kind="warning", fire_at=due, generation=c.generation)
            for c in clocks
        ],
        batch_size=2000,
    )
    return tickets


def test_four_workers_fire_ten_thousand_timers_exactly_once(make_org, make_contact, team):
    require_postgres()
    # given 10,000 warning timers due in the same second (each ticket's team has Slack)
    team.slack_webhook_url = "https://hooks.slack.example/services/T/B/X"
    team.save()
    _ten_thousand_due_timers(make_org, make_contact, team)
    # when four worker processes drain them at once
    started = time.monotonic()
    procs = [
        worker_process("--once", "--no-delivery", env={"SLADESK_NOTIFY_TIMER_BATCH": "100"})
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=240) for p in procs]
    elapsed = time.monotonic() - started
    assert all(p.returncode == 0 for p in procs), [err[-2000:] for _, err in outputs]
    # then every timer fired exactly once: one outbox row and one notify event per timer
    assert Timer.objects.filter(state="fired").count() == N
    assert not Timer.objects.filter(state="pending").exists()
    assert OutboxMessage.objects.filter(purpose="warning").count() == N
    assert (
        OutboxMessage.objects.values("idempotency_key").distinct().count()
        == OutboxMessage.objects.count()
    )
    events = TicketEvent.objects.filter(kind="notify", data__action="warning")
    assert events.count() == N
    assert len({e.data["timer"] for e in events}) == N
    # and the work was shared (each worker prints how many timers it took)
    taken = [int(out.split()[2]) for out, _ in outputs]
    assert sum(taken) == N, taken
    assert sum(1 for n in taken if n > 0) >= 2, taken
    print(f"4 workers fired {N} timers in {elapsed:.1f} s; shares {taken}")
