"""A real worker process: a fired breach reaches Slack right after its firing commits.

The worker's delivery loop is woken by the firing transaction's commit (in-process), so it
does not wait for its next poll (up to 1 s, about 0.5 s on average) to send what the timer
loop queued. PostgreSQL only: the worker is a separate process on the test database.
"""

from __future__ import annotations

import signal
import statistics
import time
from datetime import timedelta

import pytest

from sladesk.core.database import db_now
from sladesk.notify.models import OutboxMessage, Timer
from sladesk.tickets import services
from sladesk.tickets.models import SlaClock
from support.receivers import HttpReply
from support.workers import require_postgres, worker_process

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

N = 12


def test_a_fired_breach_is_delivered_right_after_its_firing_commits(
    make_org, make_contact, team, http_receiver
):
    require_postgres()
    # given a running worker and N tickets whose first-response breaches fall due over 3 s
    slack = http_receiver(default=HttpReply(200, "ok"), keep_alive=True)
    team.slack_webhook_url = slack.url("/services/T000/B000/XXXXXXXXXXXX")
    team.save()
    org = make_org("particle-enterprise", region="na")
    requester = make_contact(org)
    tickets = [
        services.open_ticket(
            organization=org,
            requester=requester,
            subject=f"s{i}",
            description="d",
            priority="P3",
            team=team,
        )
        for i in range(N)
    ]
    OutboxMessage.objects.all().delete()  # what opening queued is not measured here
    Timer.objects.filter(state="pending").update(fire_at=db_now() + timedelta(days=30))
    worker = worker_process("--no-periodic")
    try:
        time.sleep(2.0)  # started, first passes done
        start = db_now() + timedelta(seconds=1)
        for i, ticket in enumerate(tickets):
            at = start + timedelta(seconds=3 * i / N)
            clock = SlaClock.objects.get(ticket=ticket, metric="first_response")
            SlaClock.objects.filter(pk=clock.pk).update(due_at=at)
            Timer.objects.filter(clock=clock, kind="breach").update(fire_at=at)
        # when they fire
        deadline = time.monotonic() + 30
        breaches = OutboxMessage.objects.filter(purpose="breach", channel="slack")
        while breaches.filter(state="delivered").count() < N and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=20)
    # then each was posted once, and sent within a fraction of the poll interval of its firing
    assert breaches.filter(state="delivered").count() == N, err[-2000:]
    assert len(slack.requests) == N
    fired = dict(
        Timer.objects.filter(
            ticket__in=tickets, kind="breach", clock__metric="first_response"
        ).values_list("ticket_id", "fired_at")
    )
    delays = [(row.delivered_at - fired[row.ticket_id]).total_seconds() for row in breaches]
    assert statistics.median(delays) < 0.3, sorted(delays)  # polling: ~0.5 s
    assert max(delays) < 2.0, sorted(delays)
