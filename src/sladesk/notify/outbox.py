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
   (`deliver_due` builds a pool for its pass; the long-running worker's `Dispatcher`
   keeps one pool as long as the worker, so each send thread keeps one keep-alive HTTP
   client): `sladesk.notify.deliver` makes one attempt per row;
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

import contextlib
import logging
import os
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from sladesk.core.bulk import update_rows
from sladesk.core.database import db_now, skip_locked, write_transaction
from sladesk.tickets import events

from . import ChannelConfig, DeliveryResult, Notification, deliver, retry
from .channels._http import warm_client
from .conf import conf
from .links import ticket_url
from .models import CLAIMABLE, OutboxMessage, OutboxState
from .recipients import Recipient, channel_configs

__all__ = [
    "Dispatcher",
    "deliver_due",
    "enqueue",
    "message",
    "next_due_in",
    "requeue",
    "ticket_rows",
    "wait_for_work",
    "wake",
]

logger = logging.getLogger(__name__)


def ticket_rows(
    ticket_id: int,
    recipients: Iterable[Recipient],
    *,
    base: str,
    purpose: str,
    summary: str,
    body: str,
    severity: str,
    extra: dict[str, object],
    at: datetime,
) -> list[OutboxMessage]:
    """Unsaved outbox rows of one notification about ticket ``ticket_id`` to each recipient;
    each row's key (and the receiver's idempotency key) is ``<base>:<channel>:<destination>``."""
    rows = []
    for r in recipients:
        key = f"{base}:{r.channel}:{r.destination}"
        notification = Notification(
            idempotency_key=key,
            channel=r.channel,  # type: ignore[arg-type]
            summary=summary,
            body=body,
            severity=severity,  # type: ignore[arg-type]
            ticket_ref=f"#{ticket_id}",
            ticket_url=ticket_url(ticket_id),
            extra=extra,
        )
        rows.append(message(notification, r, key=key, purpose=purpose, at=at, ticket_id=ticket_id))
    return rows


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
    with write_transaction():
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
    per distinct outcome (`sladesk.core.bulk.update_rows`: every delivery of the pass
    shares one) — with one ``notify`` event per final outcome (one insert). A row whose
    lease ran out and was claimed again is left to its new claim (logged).
    """
    if not outcomes:
        return 0
    with write_transaction():
        moment = now or db_now()
        current = OutboxMessage.objects.filter(
            pk__in=[row.pk for row, _ in outcomes], state=OutboxState.SENDING
        ).order_by("pk")
        if skip_locked():
            current = current.select_for_update()
        attempts = dict(current.values_list("pk", "attempts"))
        ours, entries = [], []
        for row, result in outcomes:
            if attempts.get(row.pk) != row.attempts:
                logger.warning(
                    "outbox %s: claim %s expired before its result", row.pk, row.attempts
                )
                continue
            final = _settle(row, result, moment)
            ours.append(row)
            if row.ticket_id is not None and final:
                entries.append(
                    events.notify(
                        row.ticket_id,
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
        events.write(entries)
    return len(ours)


def deliver_due(*, limit: int | None = None, now: datetime | None = None) -> int:
    """One delivery pass (claim, send in parallel, record); returns the rows attempted.

    For ``sladesk worker --once``, cron-style runs and tests; the long-running worker uses a
    `Dispatcher`. Claim (one transaction), look up every row's destination
    (`channel_configs`: one query per kind), send in a pool made for this pass
    (``delivery_threads``; here when 1), record every result (`_record`, one transaction).
    ``now`` replaces the database clock (tests with a frozen clock only).
    """
    cfg = conf()
    rows = _claim(limit or cfg.outbox_batch, now)
    if not rows:
        return 0
    configs = channel_configs((row.channel, row.destination) for row in rows)
    jobs = [(row, configs[(row.channel, row.destination)]) for row in rows]
    if len(rows) == 1 or cfg.delivery_threads <= 1:
        results = [_send(*job) for job in jobs]
    else:
        with ThreadPoolExecutor(max_workers=min(cfg.delivery_threads, len(rows))) as pool:
            results = list(pool.map(lambda job: _send(*job), jobs))
    _record(list(zip(rows, results, strict=True)), now)
    return len(rows)


class Dispatcher:
    """The worker's delivery: sends stay in flight on a pool while more rows are claimed.

    A `step` records the results of the sends that have finished (one transaction), then
    claims as many due rows as there are idle send threads (at most ``outbox_batch``) and
    hands them to the pool. A slow receiver holds one thread, not the whole pass (a
    `deliver_due` pass waits for its slowest send, up to the 10 s timeout). Every finished
    send `wake`s the loop. The pool lives as long as the dispatcher, so each send thread
    keeps its keep-alive HTTP client; the send threads never touch the database. `close`
    waits for the sends in flight and records them: a stopped worker leaves nothing to its
    leases (a killed one does, and the rows are sent again when the leases end).
    """

    def __init__(self, threads: int) -> None:
        self.threads = max(1, threads)
        self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="sladesk-send")
        self._in_flight: dict[Future[DeliveryResult], OutboxMessage] = {}
        self._more_due = False

    def warm_up(self) -> None:
        """Start every send thread and build its HTTP client now (~36 ms of CPU each),
        rather than when the first notifications are due."""
        barrier = threading.Barrier(self.threads, timeout=30)

        def start() -> None:
            warm_client()
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()

        for future in [self._pool.submit(start) for _ in range(self.threads)]:
            future.result()

    @property
    def in_flight(self) -> int:
        return len(self._in_flight)

    def step(self) -> int:
        """Record what finished, send what is due; returns 1 when more rows may be due right
        now (a full ``outbox_batch`` was claimed with threads to spare), else 0."""
        with write_transaction():  # one transaction (and one SQLite write turn) per step
            recorded = self._record_finished()
            free = self.threads - len(self._in_flight) + recorded
            limit = min(free, conf().outbox_batch)
            rows = _claim(limit, None) if limit > 0 else []
        if rows:
            configs = channel_configs((row.channel, row.destination) for row in rows)
            for row in rows:
                future = self._pool.submit(_send, row, configs[(row.channel, row.destination)])
                self._in_flight[future] = row
                future.add_done_callback(lambda _: wake())
        self._more_due = bool(rows) and len(rows) == limit < free
        return int(self._more_due)

    def next_in(self) -> float | None:
        """How long the loop may sleep: while sends are in flight, until one finishes (it
        wakes the loop, whose next step also claims what fell due meanwhile) or 1 s; else
        until the next row is due."""
        if self._in_flight:
            return 1.0
        return next_due_in()

    def close(self) -> None:
        """Wait for the sends in flight, record them, stop the threads."""
        self._pool.shutdown(wait=True)
        try:
            self._record_finished()
        except Exception:
            logger.exception(
                "outbox: results of %s sends not recorded; their leases will "
                "run out and they will be sent again",
                len(self._in_flight),
            )

    def _record_finished(self) -> int:
        """Record the finished sends; they leave ``_in_flight`` when the transaction commits
        (if it rolls back they are recorded again by the next step)."""
        finished = [f for f in self._in_flight if f.done()]
        if not finished:
            return 0
        outcomes = [(self._in_flight[f], _result(f)) for f in finished]
        _record(outcomes, None)
        transaction.on_commit(lambda: self._forget(finished))
        return len(finished)

    def _forget(self, finished: list[Future[DeliveryResult]]) -> None:
        for f in finished:
            self._in_flight.pop(f, None)


def _result(future: Future[DeliveryResult]) -> DeliveryResult:
    exc = future.exception()
    if exc is not None:  # a bug: `deliver` itself never raises
        return DeliveryResult.retry(detail=f"unexpected {type(exc).__name__} while sending")
    return future.result()


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
