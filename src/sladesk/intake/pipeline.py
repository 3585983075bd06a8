"""The inbound pipeline: one stored raw message → a ticket, a reply, or a recorded reason.

`process(id)` works from the stored bytes in one transaction with the row locked, so it is
safe to run twice and from several processes: a row that is no longer ``received`` is left
alone, and a Message-ID already received makes the copy a ``duplicate`` (the unique
`EmailMessageId` row is written in the same transaction as the ticket). Order of the steps:

1. parse (`parse_message` never raises); a ``parse_error`` → quarantine;
2. a Message-ID received before → duplicate;
3. loops: bounces, auto-replies, our own Message-IDs or addresses (`should_create_ticket`),
   then the per-sender rate limit (``rate_limit`` tickets/replies per ``rate_window``) →
   ignored, with the reason; they never open a ticket or get an answer;
4. threading: In-Reply-To/References against every Message-ID sent or received, then
   ``[#1234]`` in the subject, then a signed reply address → ``services.reply`` with the
   new text only (`extract_reply`; the history is kept in ``quoted_text``). A reply to a
   solved ticket reopens it or opens a follow-up (the service decides);
5. otherwise routing (`sladesk.intake.routing`) → ``services.open_ticket`` with the
   subject's priority tag (``set_by="customer"``) or the route's default priority
   (``set_by="system"``), the tag stripped from the subject; then the acknowledgement;
6. attachments and inline images become `Attachment` rows up to ``max_attachment_bytes``
   each, on the ticket's first message or the reply (passed to the service, one
   ``attachment`` event by the sender); larger ones stay in the raw message, noted in
   ``reason``.

A batch (`process_batch`) decides its rows in order, then opens its new tickets together
(``services.open_tickets``), then writes replies in order (`sladesk.intake.steps`); the
outcome is the one processing the rows one by one in id order would give, except that a
follow-up ticket opened by a reply is numbered after the batch's new tickets.

Anything unexpected rolls the transaction back and quarantines the row with the error:
nothing is dropped and an agent can retry it (admin action). Attachment files written
by a rolled-back transaction are deleted with it (`services.attachments`).
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import F

from sladesk.accounts.models import Organization
from sladesk.core.database import sqlite_writer
from sladesk.core.time import now
from sladesk.intake.email import ParsedMessage, parse_message
from sladesk.intake.email.authenticate import MailAuthentication
from sladesk.tickets.services.attachments import files_follow_transaction

from .authentication import authenticate_message
from .batch import Batch
from .conf import conf
from .models import InboundMessage, InboundState
from .routing import routing_snapshot
from .steps import Quarantine, decide, finish, open_pending

__all__ = ["process", "process_batch", "process_pending", "requeue", "retry"]

logger = logging.getLogger(__name__)

#: Messages per transaction in the processing loop (SQLite holds its write lock meanwhile).
_BATCH = 50


def process(inbound_id: int, *, accept: bool = False) -> InboundMessage:
    """Process one stored message (see module docstring); returns the row as it ends.

    ``accept=True`` is an agent's "create ticket": loop checks and the rate limit are
    skipped and an unknown sender becomes a contact of the message's organization.
    """
    for attempt in (1, 2):
        try:
            _run([inbound_id], accept)
            return InboundMessage.objects.get(pk=inbound_id)
        except IntegrityError:
            if attempt == 1:  # the same Message-ID committed meanwhile: now a duplicate
                continue
            return _failed(inbound_id, "the same message was being stored twice at once")
        except Exception as exc:
            logger.exception("inbound %s: processing failed", inbound_id)
            return _failed(inbound_id, f"processing failed: {type(exc).__name__}: {exc}")
    raise AssertionError("unreachable")


def process_batch(ids: list[int]) -> int:
    """Process stored messages in one transaction (the processing loop's fast path).

    Same outcome as `process` for each id, in id order; any error rolls the whole batch
    back and the ids are processed one by one with `process`, so one bad message costs
    only itself. Returns how many rows were looked at.
    """
    if len(ids) > 1:
        try:
            _run(ids, accept=False)
            return len(ids)
        except Exception:
            logger.info(
                "inbound batch of %s rolled back; processing one by one", len(ids), exc_info=True
            )
    for inbound_id in ids:
        process(inbound_id)
    return len(ids)


def _run(ids: list[int], accept: bool) -> None:
    """Parse outside the write lock, then process every still-``received`` row of ``ids``
    in one transaction (rows locked on PostgreSQL); routes and aliases are read once."""
    stored = InboundMessage.objects.filter(pk__in=ids, state=InboundState.RECEIVED).values_list(
        "pk", "raw", "envelope_from", "peer_ip", "helo"
    )
    cfg = conf()
    parsed: dict[int, ParsedMessage] = {}
    auth: dict[int, MailAuthentication] = {}
    for pk, raw, envelope_from, peer_ip, helo in stored:  # DNS and parsing before the write lock
        parsed[pk] = parse_message(bytes(raw))
        auth[pk] = authenticate_message(
            bytes(raw), parsed[pk], envelope_from=envelope_from, peer_ip=peer_ip, helo=helo, cfg=cfg
        )
    with files_follow_transaction(), routing_snapshot(), sqlite_writer(), transaction.atomic():
        rows = list(
            InboundMessage.objects.select_for_update()
            .defer("raw")
            .filter(pk__in=list(parsed), state=InboundState.RECEIVED)
            .order_by("id")
        )
        if not rows:
            return
        batch = Batch(rows, parsed, auth)
        for row in rows:
            row.attempts += 1
            try:
                decide(row, parsed[row.pk], batch, accept)
            except Quarantine as stop:
                row.state, row.reason = InboundState.QUARANTINED, str(stop)[:4000]
            row.processed_at = now()
        open_pending(batch)
        for later in batch.later:
            finish(later, batch)
        batch.flush(rows)


def _failed(inbound_id: int, reason: str) -> InboundMessage:
    InboundMessage.objects.filter(pk=inbound_id, state=InboundState.RECEIVED).update(
        state=InboundState.QUARANTINED,
        reason=reason[:4000],
        processed_at=now(),
        attempts=F("attempts") + 1,
    )
    return InboundMessage.objects.get(pk=inbound_id)


def process_pending(limit: int = 100) -> int:
    """Process stored messages still ``received`` (oldest first), in batches; returns how many."""
    ids = list(
        InboundMessage.objects.filter(state=InboundState.RECEIVED)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    with routing_snapshot():  # addresses and aliases read once per batch
        for start in range(0, len(ids), _BATCH):
            process_batch(ids[start : start + _BATCH])
    return len(ids)


def retry(
    ids: list[int], *, accept: bool = False, organization: Organization | None = None
) -> list[InboundMessage]:
    """An agent's "retry" (``accept=False``) or "create ticket" (``accept=True``) on
    quarantined/ignored rows (the admin's and the desk's actions): ``organization`` first
    routes rows that reached no routed address, then each row goes back to ``received``
    and is processed at once. Returns the rows as they end, in ``ids`` order; rows in
    another state are returned unchanged."""
    if organization is not None:
        InboundMessage.objects.filter(
            pk__in=ids, state__in=[InboundState.QUARANTINED, InboundState.IGNORED]
        ).update(organization=organization)
    requeue(ids)
    return [process(i, accept=accept) for i in ids]


def requeue(ids: list[int]) -> int:
    """Quarantined/ignored rows go back to ``received`` (the admin's "retry")."""
    return InboundMessage.objects.filter(
        pk__in=ids, state__in=[InboundState.QUARANTINED, InboundState.IGNORED]
    ).update(state=InboundState.RECEIVED, reason="")
