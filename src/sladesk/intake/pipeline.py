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
   each (larger ones stay in the raw message, noted in ``reason``).

Anything unexpected rolls the transaction back and quarantines the row with the error:
nothing is dropped and an agent can retry it (admin action).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F

from sladesk.accounts.models import Contact, Organization
from sladesk.core.clock import now
from sladesk.core.policies import get_policy
from sladesk.intake.email import (
    ParsedMessage,
    extract_reply,
    find_ticket_ref,
    parse_message,
    should_create_ticket,
    split_priority_tag,
    thread_keys,
    verify_reply_address,
)
from sladesk.tickets import services
from sladesk.tickets.models import Channel, EventKind, Message, Ticket, TicketEvent

from .batch import Batch
from .dblock import sqlite_writer
from .models import EmailMessageId, InboundMessage, InboundState
from .routing import Route, own_addresses, route_for, routing_snapshot
from .store import id_key

__all__ = ["process", "process_batch", "process_pending", "requeue", "retry"]

logger = logging.getLogger(__name__)

#: Messages per transaction in the processing loop (SQLite holds its write lock meanwhile).
_BATCH = 50


class _Quarantine(Exception):
    """Stop processing: keep the message for an agent, with this reason."""


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
            logger.info("inbound batch of %s rolled back; processing one by one", len(ids), exc_info=True)
    for inbound_id in ids:
        process(inbound_id)
    return len(ids)


def _run(ids: list[int], accept: bool) -> None:
    """Parse outside the write lock, then process every still-``received`` row of ``ids``
    in one transaction (rows locked on PostgreSQL); routes and aliases are read once."""
    raws = dict(
        InboundMessage.objects.filter(pk__in=ids, state=InboundState.RECEIVED).values_list("pk", "raw")
    )
    parsed = {pk: parse_message(bytes(raw)) for pk, raw in raws.items()}
    with routing_snapshot(), sqlite_writer(), transaction.atomic():
        rows = list(
            InboundMessage.objects.select_for_update()
            .defer("raw")
            .filter(pk__in=list(parsed), state=InboundState.RECEIVED)
            .order_by("id")
        )
        if not rows:
            return
        batch = Batch(rows, parsed)
        for row in rows:
            row.attempts += 1
            try:
                _process(row, parsed[row.pk], batch, accept)
            except _Quarantine as stop:
                row.state, row.reason = InboundState.QUARANTINED, str(stop)[:4000]
            row.processed_at = now()
        _open_pending(batch)
        for later in batch.later:
            _finish(later, batch)
        batch.flush(rows)


def _failed(inbound_id: int, reason: str) -> InboundMessage:
    InboundMessage.objects.filter(pk=inbound_id, state=InboundState.RECEIVED).update(
        state=InboundState.QUARANTINED, reason=reason[:4000], processed_at=now(), attempts=F("attempts") + 1
    )
    return InboundMessage.objects.get(pk=inbound_id)


def process_pending(limit: int = 100) -> int:
    """Process stored messages still ``received`` (oldest first), in batches; returns how many."""
    ids = list(
        InboundMessage.objects.filter(state=InboundState.RECEIVED).order_by("id").values_list("id", flat=True)[:limit]
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


# ---------------------------------------------------------------------------- steps
# A batch runs in three passes. `_process` decides each row in order from what the batch
# knows (the rows before it included): quarantined, duplicate, ignored, a reply or a new
# ticket. New tickets are then opened together (`_open_pending`, one insert per table),
# and the rest runs in row order (`_finish`): replies, the tickets of duplicates and of
# ignored mail. A row that threads to a row of the same batch names that row as its target
# and gets the ticket that row ended on.


@dataclass
class _Later:
    """What `_finish` does for a row: ``kind`` reply/duplicate/ignored, on ``target``."""

    kind: str
    row: InboundMessage
    parsed: ParsedMessage
    target: Ticket | InboundMessage | None
    how: str = ""
    contact: Contact | None = None
    uploads: list[tuple[str, bytes, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _process(row: InboundMessage, parsed: ParsedMessage, batch: Batch, accept: bool) -> None:
    row.from_address = (parsed.from_address or row.envelope_from or "")[:254]
    row.subject = parsed.subject[:300]
    row.message_id = id_key(parsed.message_id)
    if parsed.parse_error:
        raise _Quarantine(f"could not be parsed: {parsed.parse_error}")
    keys = [id_key(k) for k in thread_keys(parsed)]
    known = batch.known
    earlier = batch.pending.get(row.message_id)
    seen = known.get(row.message_id)
    if earlier is not None or (seen is not None and seen[0] == EmailMessageId.IN):
        row.state, row.reason = InboundState.DUPLICATE, "Message-ID received before"
        if earlier is not None:
            batch.later.append(_Later("duplicate", row, parsed, earlier))
        else:
            row.ticket_id = seen[1] if seen is not None else None
        return
    recipients = [*row.envelope_to, *parsed.recipients]
    target, how = _thread(parsed, recipients, keys, batch)
    if not accept:
        sent = seen is not None and seen[0] == EmailMessageId.OUT
        refused = _loop_reason(parsed, row, _OwnIds(row.message_id, sent), batch)
        if refused:
            row.state, row.reason = InboundState.IGNORED, refused
            if target is not None:
                batch.later.append(_Later("ignored", row, parsed, target))
            return
    uploads, notes = _uploads(parsed, min(batch.cfg.max_attachment_bytes, services.MAX_ATTACHMENT_BYTES))
    if target is not None:
        org = _organization(target, batch)
        contact, why = batch.contact(row.from_address, parsed.from_name or "", org, accept)
        row.organization = org
        if contact is None:
            raise _Quarantine(f"reply to #{_number(target, batch)} (by {how}): {why}")
        batch.later.append(_Later("reply", row, parsed, target, how, contact, uploads, notes))
    else:
        _open(row, parsed, recipients, batch, accept, uploads, notes)
    batch.pending[row.message_id] = row
    batch.recent[row.from_address] = batch.recent.get(row.from_address, 0) + 1


def _organization(target: Ticket | InboundMessage, batch: Batch) -> Organization:
    """The organization of the ticket ``target`` is or will be on."""
    if isinstance(target, Ticket):
        return target.organization
    assert target.organization is not None  # set by `_process` before a row becomes a target
    return target.organization


def _number(target: Ticket | InboundMessage, batch: Batch) -> str:
    return str(target.pk) if isinstance(target, Ticket) else f"the ticket of message {target.pk}"


def _ticket_of(target: Ticket | InboundMessage, batch: Batch) -> Ticket:
    """``target`` itself, or the ticket an earlier row of the batch ended on."""
    if isinstance(target, Ticket):
        return target
    ticket = batch.ticket(target.ticket_id)
    if ticket is None:  # cannot happen: a target row opens a ticket or replies, or the batch fails
        raise RuntimeError(f"message {target.pk} of the batch has no ticket")
    return ticket


def _received(row: InboundMessage, message: Message, batch: Batch) -> None:
    """The row's Message-ID as received on ``message``'s ticket (written by `Batch.flush`)."""
    batch.received.append(EmailMessageId(
        message_id=row.message_id, direction=EmailMessageId.IN, ticket_id=message.ticket_id, ticket_message=message,
        created_at=now(),
    ))
    batch.known[row.message_id] = (EmailMessageId.IN, message.ticket_id)


def _finish(later: _Later, batch: Batch) -> None:
    row, target = later.row, later.target
    assert target is not None
    ticket = _ticket_of(target, batch)
    if later.kind == "duplicate":
        row.ticket_id = ticket.pk
        return
    if later.kind == "ignored":
        row.ticket = ticket
        _log_ignored(ticket, row)
        return
    assert later.contact is not None
    new_text, quoted = extract_reply(later.parsed.text)
    body = new_text or later.parsed.text or "(empty message)"
    message = services.reply(
        ticket, author=later.contact, body=body, channel=Channel.EMAIL, attachments=later.uploads
    )
    row.quoted_text = quoted
    row.state, row.ticket_id, row.ticket_message = InboundState.REPLY, message.ticket_id, message
    row.reason = f"threaded by {later.how}"
    if services.opened_follow_up(message):  # a new ticket: it gets its own acknowledgement
        row.reason += f"; follow-up #{message.ticket_id} of #{ticket.pk}"
        batch.tickets[message.ticket_id] = message.ticket
        batch.acks.append((message.ticket, later.parsed, row))
    elif message.ticket_id != ticket.pk:
        row.reason += f"; #{ticket.pk} was merged into #{message.ticket_id}"
    _note(row, later.notes)
    _received(row, message, batch)


class _OwnIds:
    """``in`` tells whether sladesk sent a Message-ID; the message's own id is answered
    from the batch's read (``sent``), any other id by one indexed query."""

    def __init__(self, own_key: str, sent: bool) -> None:
        self.own_key, self.sent = own_key, sent

    def __contains__(self, message_id: object) -> bool:
        key = id_key(str(message_id))
        if key == self.own_key:
            return self.sent
        return EmailMessageId.objects.filter(message_id=key, direction=EmailMessageId.OUT).exists()


def _loop_reason(parsed: ParsedMessage, row: InboundMessage, own_ids: _OwnIds, batch: Batch) -> str:
    cfg = batch.cfg
    own = own_addresses() | {cfg.from_address.lower()}
    ok, reason = should_create_ticket(parsed, own_message_ids=own_ids, own_addresses=own)
    if not ok:
        return reason
    if row.from_address:
        recent = batch.recent.get(row.from_address, 0)
        if recent >= cfg.rate_limit:
            return f"rate limit: {recent} messages from {row.from_address} in the last {cfg.rate_window:g} s"
    return ""


def _thread(
    parsed: ParsedMessage, recipients: list[str], keys: list[str], batch: Batch
) -> tuple[Ticket | InboundMessage | None, str]:
    """The ticket (or the earlier row of the batch) a message threads to, and how."""
    for key in keys:
        earlier = batch.pending.get(key)
        if earlier is not None:
            return earlier, f"Message-ID {key}"
        if key in batch.known:
            found = batch.ticket(batch.known[key][1])
            if found is not None:
                return found, f"Message-ID {key}"
    ref = find_ticket_ref(parsed.subject)
    if ref is not None:
        ticket = _numbered(ref, batch)
        if ticket is not None:
            return ticket, f"[#{ref}] in the subject"
    for address in recipients:
        for secret in batch.secrets:
            number = verify_reply_address(address, secret)
            if number is not None:
                ticket = _numbered(number, batch)
                if ticket is not None:
                    return ticket, f"signed reply address {address}"
    return None, ""


def _numbered(number: int, batch: Batch) -> Ticket | None:
    """Ticket ``number`` through the batch's tickets; when it is not found and the batch
    has tickets still to open, they are opened first (it may be one of them)."""
    ticket = batch.ticket(number)
    if ticket is None and batch.opening:
        _open_pending(batch)
        ticket = batch.ticket(number)
    return ticket


def _open(
    row: InboundMessage,
    parsed: ParsedMessage,
    recipients: list[str],
    batch: Batch,
    accept: bool,
    uploads: list[tuple[str, bytes, str]],
    notes: list[str],
) -> None:
    route = route_for(recipients)
    if route is not None:
        row.route = route.inbound
    org = row.organization or (route.organization if route else None)
    if route is None and org is None:
        shown = ", ".join(dict.fromkeys(recipients)) or "no recipient"
        raise _Quarantine(f"not sent to a routed address ({shown[:500]})")
    contact, why = batch.contact(row.from_address, parsed.from_name or "", org, accept and org is not None)
    if contact is None:
        row.organization = org
        raise _Quarantine(why if org is not None or not accept else "choose the organization, then retry")
    org = org or contact.organization
    row.organization = org
    priority, set_by, subject = _priority(org.policy_name, parsed.subject, route)
    request = services.OpenRequest(
        organization=org,
        requester=contact,
        subject=subject or "(no subject)",
        description=parsed.text or "(empty message)",
        description_html=parsed.html_safe,
        priority=priority,
        channel=Channel.EMAIL,
        actor=contact,
        set_by=set_by,
        team=route.team if route is not None else None,
        attachments=uploads,
    )
    batch.opening.append((row, parsed, request, notes))


def _open_pending(batch: Batch) -> None:
    """Open the tickets decided so far in one `services.open_tickets` call; each gets
    its acknowledgement."""
    items, batch.opening = batch.opening, []
    if not items:
        return
    tickets = services.open_tickets([request for _, _, request, _ in items])
    for (row, parsed, _, notes), ticket in zip(items, tickets, strict=True):
        message = ticket.opening.message
        row.state, row.ticket, row.ticket_message = InboundState.TICKET, ticket, message
        batch.tickets[ticket.pk] = ticket
        _note(row, notes)
        _received(row, message, batch)
        batch.acks.append((ticket, parsed, row))


def _priority(policy_name: str, subject: str, route: Route | None) -> tuple[str | None, str, str]:
    """``(priority, set_by, subject without tag)`` from the subject tag or the route."""
    policy = get_policy(policy_name).policy
    names = [w for p in policy.priorities for w in (p.key, p.name, *p.aliases)]
    tag, cleaned = split_priority_tag(subject, names)
    if tag is not None:
        return policy.resolve_priority(tag), "customer", cleaned
    if route is not None and route.default_priority:
        return policy.resolve_priority(route.default_priority), "system", cleaned
    return None, "customer", cleaned


def _uploads(parsed: ParsedMessage, limit: int) -> tuple[list[tuple[str, bytes, str]], list[str]]:
    """Parts up to ``limit`` bytes (the batch's ``max_attachment_bytes``) as uploads for the
    message's service call (an ``attachment`` event by the sender); larger ones stay in
    the raw mail, with a note for ``reason``."""
    notes, uploads = [], []
    for part in parsed.attachments:
        if part.size > limit:
            notes.append(f"{part.filename} ({part.size} bytes) kept in the raw message only: over {limit} bytes")
            continue
        uploads.append((part.filename[:255] or "attachment", part.payload, part.content_type[:200]))
    return uploads, notes


def _note(row: InboundMessage, notes: list[str]) -> None:
    if notes:
        row.reason = "; ".join([row.reason, *notes]).strip("; ")


def _log_ignored(ticket: Ticket, row: InboundMessage) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        at=now(),
        actor_label=row.from_address or "system",
        channel=Channel.EMAIL,
        kind=EventKind.NOTIFY,
        data={"action": "inbound_ignored", "inbound": row.pk, "reason": row.reason},
    )
