"""The transactional outbox: write notifications with their cause, deliver them later.

Writing: `message` builds an `OutboxMessage` for a `Notification` and a `Recipient`;
`enqueue` inserts rows with ``ON CONFLICT DO NOTHING`` on the unique idempotency key, so
an event processed twice queues each notification once. Callers do this inside the
transaction of the change that caused it: if that rolls back, nothing is sent.

Delivering (`deliver_due`), one pass:

1. **claim** (one short transaction): due rows (``state`` queued/retry/sending and
   ``next_attempt_at <= now``, the database's clock) oldest first, ``FOR UPDATE SKIP
   LOCKED`` on PostgreSQL, become ``sending`` with ``attempts + 1`` and
   ``next_attempt_at = now + lease``;
2. **send** outside any transaction, in a small thread pool: the destination's secret is
   looked up now, `sladesk.notify.deliver` makes one attempt;
3. **record** (one transaction per row): `sladesk.notify.retry.decide` says delivered,
   retry at ``now + backoff`` (jittered, honouring ``Retry-After``) or dead (a permanent
   4xx at once, else after ``max_attempts``). The update applies only while the row is
   still this claim (``state = sending AND attempts = n``). Final outcomes are written to
   the ticket's event log.

A worker killed between 1 and 3 loses nothing: when the lease ends another worker claims
the row again and resends it with the same idempotency key, which the receiver dedups
(PagerDuty ``dedup_key``, webhook ``Idempotency-Key``, e-mail ``Message-ID``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F

from sladesk.tickets.models import EventKind

from . import DeliveryResult, Notification, deliver, retry
from .conf import conf
from .dbclock import db_now, skip_locked
from .events import event, write_events
from .models import CLAIMABLE, OutboxMessage, OutboxState
from .recipients import Recipient, channel_config

__all__ = ["deliver_due", "enqueue", "message", "next_due_in", "requeue"]

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


def requeue(ids: Iterable[int]) -> int:
    """Dead rows get a fresh start (attempts 0, due now): the admin's "retry" action."""
    now = db_now()
    return OutboxMessage.objects.filter(pk__in=list(ids), state=OutboxState.DEAD).update(
        state=OutboxState.QUEUED, attempts=0, next_attempt_at=now, updated_at=now, last_error=""
    )


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
            OutboxMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
                state=OutboxState.SENDING,
                attempts=F("attempts") + 1,
                next_attempt_at=moment + timedelta(seconds=cfg.lease),
                updated_at=moment,
            )
            for row in rows:
                row.attempts += 1
                row.state = OutboxState.SENDING
    return rows


def _send(row: OutboxMessage) -> DeliveryResult:
    try:
        notification = Notification(**row.payload)
    except (TypeError, ValueError) as exc:
        return DeliveryResult.failed(detail=f"unusable payload: {exc}")
    config = channel_config(row.channel, row.destination)
    if config is None:
        return DeliveryResult.failed(detail=f"{row.destination} has no {row.channel} configured")
    return deliver(notification, config)


def _record(row: OutboxMessage, result: DeliveryResult, now: datetime | None) -> None:
    decision = retry.decide(result, row.attempts, max_attempts=conf().max_attempts)
    with transaction.atomic():
        moment = now or db_now()
        fields: dict[str, Any] = {"updated_at": moment, "last_status": result.status_code}
        if decision[0] == "done":
            fields.update(state=OutboxState.DELIVERED, delivered_at=moment, last_error="")
        elif decision[0] == "dead":
            fields.update(state=OutboxState.DEAD, last_error=decision[1][:1000])
        else:
            fields.update(
                state=OutboxState.RETRY,
                next_attempt_at=moment + timedelta(seconds=decision[1]),
                last_error=result.detail[:1000],
            )
        claimed = OutboxMessage.objects.filter(
            pk=row.pk, state=OutboxState.SENDING, attempts=row.attempts
        )
        if not claimed.update(**fields):
            logger.warning("outbox %s: claim %s expired before its result", row.pk, row.attempts)
            return
        if row.ticket_id is not None and decision[0] != "deliver_again_at":
            outcome = "delivered" if decision[0] == "done" else "dead"
            write_events(
                [
                    event(
                        row.ticket_id,
                        EventKind.NOTIFY,
                        moment,
                        action=row.purpose,
                        outcome=outcome,
                        channel=row.channel,
                        to=row.destination,
                        outbox=row.pk,
                        attempts=row.attempts,
                        detail=fields["last_error"],
                    )
                ]
            )


def deliver_due(*, limit: int | None = None, now: datetime | None = None) -> int:
    """One delivery pass (claim, send in parallel, record); returns the rows attempted.

    ``now`` replaces the database clock (tests with a frozen clock only).
    """
    cfg = conf()
    rows = _claim(limit or cfg.outbox_batch, now)
    if not rows:
        return 0
    if len(rows) == 1 or cfg.delivery_threads <= 1:
        results = [_send(row) for row in rows]
    else:
        with ThreadPoolExecutor(max_workers=min(cfg.delivery_threads, len(rows))) as pool:
            results = list(pool.map(_send_closing, rows))
    for row, result in zip(rows, results, strict=True):
        _record(row, result, now)
    return len(rows)


def _send_closing(row: OutboxMessage) -> DeliveryResult:
    """`_send` in a pool thread: the secret lookup opens a connection; close it after."""
    from django.db import connection

    try:
        return _send(row)
    finally:
        connection.close()


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
