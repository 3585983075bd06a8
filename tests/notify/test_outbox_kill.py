"""kill -9 a delivery worker mid-delivery: after a restart every notification is delivered,
and the receiver acts on each idempotency key once (PagerDuty dedup_key)."""

from __future__ import annotations

import os
import signal
import time
from collections import Counter

import pytest

from sladesk.notify.models import OutboxMessage, Page
from sladesk.tickets import services
from support.receivers import HttpReply
from support.workers import require_postgres, worker_process

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

N = 6


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_kill_9_during_delivery_loses_nothing_and_duplicates_nothing(
    settings, make_org, make_contact, team, http_receiver
):
    require_postgres()
    # given N P1 pages queued for a PagerDuty receiver that takes 2 s to answer
    pagerduty = http_receiver(default=HttpReply(202, "{}", delay=2.0))
    team.pagerduty_routing_key = "R0UTINGKEY0000000000000000000000"
    team.save()
    settings.SLADESK_NOTIFY = {"oncall_team": team.slug}
    org = make_org("particle-enterprise", region="na")
    requester = make_contact(org)
    for i in range(N):
        services.open_ticket(
            organization=org,
            requester=requester,
            subject=f"down {i}",
            description="d",
            priority="P1",
        )
    keys = set(Page.objects.values_list("key", flat=True))
    assert OutboxMessage.objects.filter(channel="pagerduty").count() == N
    env = {
        "SLADESK_NOTIFY_PAGERDUTY_URL": pagerduty.url("/v2/enqueue"),
        "SLADESK_NOTIFY_LEASE": "3",
        "SLADESK_NOTIFY_OUTBOX_BATCH": "2",
        "SLADESK_NOTIFY_DELIVERY_THREADS": "2",
    }
    # when a worker is killed (SIGKILL) while its requests are in flight
    worker = worker_process("--no-timers", env=env)
    try:
        _wait(lambda: len(pagerduty.requests) >= 1, 30, "the first delivery")
        os.kill(worker.pid, signal.SIGKILL)
    finally:
        worker.wait(timeout=10)
    claimed = {r.payload["idempotency_key"] for r in OutboxMessage.objects.filter(state="sending")}
    assert claimed  # claimed (and maybe sent), never recorded
    # and a new worker starts (the receiver is fast again)
    pagerduty.default = HttpReply(202, "{}")
    worker = worker_process("--no-timers", env=env)
    try:
        _wait(
            lambda: OutboxMessage.objects.filter(state="delivered").count() == N,
            60,
            "all deliveries",
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=15)
    # then every page reached the receiver; only rows claimed by the killed worker may have
    # arrived twice, and by idempotency key (dedup_key) the receiver acts on each once
    received = Counter(r.json()["dedup_key"] for r in pagerduty.requests)
    assert set(received) == keys and len(keys) == N
    assert {k for k, n in received.items() if n > 1} <= claimed
    assert all(n <= 2 for n in received.values())
