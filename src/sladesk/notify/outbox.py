"""The transactional outbox: write notifications with their cause, deliver them later.

Writing: `message` builds an `OutboxMessage` for a `Notification` and a `Recipient`;
`enqueue` inserts rows with ``ON CONFLICT DO NOTHING`` on the unique idempotency key, so
an event processed twice queues each notification once. Callers do this inside the
transaction of the change that caused it: if that rolls back, nothing is sent. When it
commits, `wake` tells this process's delivery loop (`wait_for_work`) to look at once
instead of at its next poll (at most 1 s later; other processes poll).

Delivering (`deliver_due`), one pass, a fixed number of queries whatever the batch:

1. **claim** (one short transaction): due rows (``state`` queued/retry/sending and
   ``next_attempt_at <= now``, the database's clock) oldest first, ``FOR UPDATE SKIP
   LOCKED`` on PostgreSQL, become ``sending`` with ``attempts + 1`` and
   ``next_attempt_at = now + lease``;
2. **look up** every row's destination (`sladesk.notify.recipients.channel_configs`: the
   secrets are read now, one query per kind of reference);
3. **send** outside any transaction, in a thread pool that never touches the database
   (the worker's pool lives as long as the worker, so each thread keeps one keep-alive
   HTTP client): `sladesk.notify.deliver` makes one attempt per row;
4. **record** (one transaction for the pass): `sladesk.notify.retry.decide` says delivered,
   retry at ``now + backoff`` (jittered, honouring ``Retry-After``) or dead (a permanent
   4xx at once, else after ``max_attempts``). Only rows still this claim (``state =
   sending AND attempts = n``, read under ``FOR UPDATE``) are written, one ``UPDATE`` per
   distinct outcome;
   final outcomes go to the tickets' event logs in one insert.

A worker killed between 1 and 4 loses nothing: when the lease ends another worker claims
the row again and resends it with the same idempotency key, which the receiver dedups
(PagerDuty ``dedup_key``, webhook ``Idempotency-Key``, e-mail ``Message-ID``).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import asdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from sladesk.tickets.models import EventKind

from . import ChannelConfig, DeliveryResult, Notification, deliver, retry
from .bulk import update_rows
from .conf import conf
from .dbclock import db_now, skip_locked
from .events import event, write_events
from .models import CLAIMABLE, OutboxMessage, OutboxState
from .recipients import Recipient, channel_configs

__all__ = ["deliver_due", "enqueue", "message", "next_due_in", "requeue", "wait_for_work", "wake"]

logger = logging.getLogger(__name__)


def message(
    notification: Notification,
    recipient: Recipient,
    *,
    key: str,
    purpose: str,
    at: datetime,
    ticket_id: int | None = None,
    page_id: int | None = None,
) -> OutboxMessage:
    """An unsaved outbox row for ``notification`` to ``recipient`` (dedupe key ``key``)."""
    payload = asdict(notification)
    payload["channel"] = recipient.channel
    payload["extra"] = dict(notification.extra)
    return OutboxMessage(
        idempotency_key=key[:255],
        channel=recipient.channel,
        destination=recipient.destination,
        purpose=purpose,
        payload=payload,
        next_attempt_at=at,
        created_at=at,
        updated_at=at,
        ticket_id=ticket_id,
        page_id=page_id,
    )


def enqueue(rows: Sequence[OutboxMessage]) -> None:
    """Insert ``rows``; a row whose idempotency key exists already is skipped."""
    if rows:
        OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
        transaction.on_commit(wake)


def requeue(ids: Iterable[int]) -> int:
    """Dead rows get a fresh start (attempts 0, due now): the admin's "retry" action."""
    now = db_now()
    count = OutboxMessage.objects.filter(pk__in=list(ids), state=OutboxState.DEAD).update(
        state=OutboxState.QUEUED, attempts=0, next_attempt_at=now, updated_at=now, last_error=""
    )
    transaction.on_commit(wake)
    return count


def wake() -> None:
    """Tell this process's delivery loop that rows may be due now (it stops sleeping)."""
    _wake.set()


def wait_for_work(timeout: float) -> bool:
    """Sleep until `wake` is called or ``timeout`` seconds pass; True if woken.

    The delivery loop's sleep between passes. The flag is cleared on return, before the
    next pass claims, so a row committed during a pass or the sleep is never missed.
    """
    woken = _wake.wait(timeout)
    _wake.clear()
    return woken


def _reset_after_fork() -> None:
    global _wake
    _wake = threading.Event()


_wake = threading.Event()
os.register_at_fork(after_in_child=_reset_after_fork)


def _claim(limit: int, now: datetime | None) -> list[OutboxMessage]:
    cfg = conf()
    with transaction.atomic():
        moment = now or db_now()
        query = OutboxMessage.objects.filter(state__in=CLAIMABLE, next_attempt_at__lte=moment)
        query = query.order_by("next_attempt_at", "id")
        if skip_locked():
            query = query.select_for_update(skip_locked=True)
        rows = list(query[:limit])
        if rows:
            lease_end = moment + timedelta(seconds=cfg.lease)
            OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
                state=OutboxState.SENDING,
                attempts=F("attempts") + 1,
                next_attempt_at=lease_end,
                updated_at=moment,
            )
            for row in rows:
                row.attempts += 1
                row.state, row.next_attempt_at, row.updated_at = (
                    OutboxState.SENDING,
                    lease_end,
                    moment,
                )
    return rows


def _send(row: OutboxMessage, config: ChannelConfig | None) -> DeliveryResult:
    """One attempt for ``row`` with its looked-up ``config``: no database access, so it
    can run in any thread (the pool's threads never open a connection)."""
    try:
        notification = Notification(**row.payload)
    except (TypeError, ValueError) as exc:
        return DeliveryResult.failed(detail=f"unusable payload: {exc}")
    if config is None:
        return DeliveryResult.failed(detail=f"{row.destination} has no {row.channel} configured")
    return deliver(notification, config)


def _settle(row: OutboxMessage, result: DeliveryResult, moment: datetime) -> str:
    """Apply the retry decision for ``result`` to the in-memory ``row``; its final outcome
    ("delivered"/"dead") or "" when it will be tried again."""
    decision = retry.decide(result, row.attempts, max_attempts=conf().max_attempts)
    row.updated_at, row.last_status = moment, result.status_code
    if decision[0] == "done":
        row.state, row.delivered_at, row.last_error = OutboxState.DELIVERED, moment, ""
        return "delivered"
    if decision[0] == "dead":
        row.state, row.last_error = OutboxState.DEAD, decision[1][:1000]
        return "dead"
    row.state, row.last_error = OutboxState.RETRY, result.detail[:1000]
    row.next_attempt_at = moment + timedelta(seconds=decision[1])
    return ""


_RECORDED = ["state", "next_attempt_at", "updated_at", "last_status", "last_error", "delivered_at"]


def _record(outcomes: Sequence[tuple[OutboxMessage, DeliveryResult]], now: datetime | None) -> int:
    """Record the results of one pass in one transaction; returns the rows recorded.

    Only rows that are still this claim (``state = sending`` with the claimed ``attempts``,
    read under ``FOR UPDATE`` in id order on PostgreSQL) are written — one plain ``UPDATE``
    per distinct outcome (`sladesk.notify.bulk.update_rows`: every delivery of the pass
    shares one) — with one ``notify`` event per final outcome (one insert). A row whose
    lease ran out and was claimed again is left to its new claim (logged).
    """
    if not outcomes:
        return 0
    with transaction.atomic():
        moment = now or db_now()
        current = OutboxMessage.objects.filter(
            pk__in=[row.pk for row, _ in outcomes], state=OutboxState.SENDING
        ).order_by("pk")
        if skip_locked():
            current = current.select_for_update()
        attempts = dict(current.values_list("pk", "attempts"))
        ours, events = [], []
        for row, result in outcomes:
            if attempts.get(row.pk) != row.attempts:
                logger.warning(
                    "outbox %s: claim %s expired before its result", row.pk, row.attempts
                )
                continue
            final = _settle(row, result, moment)
            ours.append(row)
            if row.ticket_id is not None and final:
                events.append(
                    event(
                        row.ticket_id,
                        EventKind.NOTIFY,
                        moment,
                        action=row.purpose,
                        outcome=final,
                        channel=row.channel,
                        to=row.destination,
                        outbox=row.pk,
                        attempts=row.attempts,
                        detail=row.last_error,
                    )
                )
        update_rows(OutboxMessage, ours, _RECORDED)
        write_events(events)
    return len(ours)


def deliver_due(
    *, limit: int | None = None, now: datetime | None = None, pool: Executor | None = None
) -> int:
    """One delivery pass (claim, send in parallel, record); returns the rows attempted.

    Three short steps, whatever the batch size: claim (one transaction), look up every
    row's destination (`channel_configs`: one query per kind), send — in ``pool``'s threads
    when given (the worker keeps one for its lifetime, so each thread keeps its keep-alive
    HTTP client), else in a pool made for this pass (``delivery_threads``), else here —
    and record every result (`_record`, one transaction). The sending threads never touch
    the database. ``now`` replaces the database clock (tests with a frozen clock only).
    """
    cfg = conf()
    rows = _claim(limit or cfg.outbox_batch, now)
    if not rows:
        return 0
    configs = channel_configs((row.channel, row.destination) for row in rows)
    jobs = [(row, configs[(row.channel, row.destination)]) for row in rows]
    if pool is not None and len(rows) > 1:
        results = list(pool.map(_send_job, jobs))
    elif len(rows) == 1 or cfg.delivery_threads <= 1:
        results = [_send_job(job) for job in jobs]
    else:
        with ThreadPoolExecutor(max_workers=min(cfg.delivery_threads, len(rows))) as temporary:
            results = list(temporary.map(_send_job, jobs))
    _record(list(zip(rows, results, strict=True)), now)
    return len(rows)


def _send_job(job: tuple[OutboxMessage, ChannelConfig | None]) -> DeliveryResult:
    return _send(*job)


def next_due_in(now: datetime | None = None) -> float | None:
    """Seconds until the next outbox row is due (0 if overdue), None if nothing waits."""
    moment = now or db_now()
    first = (
        OutboxMessage.objects.filter(state__in=CLAIMABLE)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return None if first is None else max(0.0, (first - moment).total_seconds())
