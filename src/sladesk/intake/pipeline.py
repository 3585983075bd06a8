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
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F

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

from . import outbound
from .conf import conf
from .dblock import sqlite_writer
from .models import EmailMessageId, InboundMessage, InboundState
from .routing import Route, find_contact, own_addresses, route_for, routing_snapshot
from .store import id_key

__all__ = ["process", "process_pending", "requeue"]

logger = logging.getLogger(__name__)


class _Quarantine(Exception):
    """Stop processing: keep the message for an agent, with this reason."""


class _OwnIds:
    """``in`` tells whether sladesk sent a Message-ID; the message's own id is answered
    from the row `_process` already read (``sent``), any other id by one indexed query."""

    def __init__(self, own_key: str, sent: bool) -> None:
        self.own_key, self.sent = own_key, sent

    def __contains__(self, message_id: object) -> bool:
        key = id_key(str(message_id))
        if key == self.own_key:
            return self.sent
        return EmailMessageId.objects.filter(message_id=key, direction=EmailMessageId.OUT).exists()


#: What `process` writes back (never ``raw``: rewriting the bytes cost a blob write per message).
_SAVED_FIELDS = [
    "state", "reason", "attempts", "processed_at", "from_address", "subject", "message_id", "ticket",
    "ticket_message", "organization", "route", "quoted_text",
]


def process(inbound_id: int, *, accept: bool = False) -> InboundMessage:
    """Process one stored message (see module docstring); returns the row as it ends.

    ``accept=True`` is an agent's "create ticket": loop checks and the rate limit are
    skipped and an unknown sender becomes a contact of the message's organization.
    """
    for attempt in (1, 2):
        try:
            with sqlite_writer(), transaction.atomic():
                row = InboundMessage.objects.select_for_update().get(pk=inbound_id)
                if row.state != InboundState.RECEIVED:
                    return row
                row.attempts += 1
                try:
                    _process(row, accept)
                except _Quarantine as stop:
                    row.state, row.reason = InboundState.QUARANTINED, str(stop)[:4000]
                row.processed_at = now()
                row.save(update_fields=_SAVED_FIELDS)
            return row
        except IntegrityError:
            if attempt == 1:  # the same Message-ID committed meanwhile: now a duplicate
                continue
            return _failed(inbound_id, "the same message was being stored twice at once")
        except Exception as exc:
            logger.exception("inbound %s: processing failed", inbound_id)
            return _failed(inbound_id, f"processing failed: {type(exc).__name__}: {exc}")
    raise AssertionError("unreachable")


def _failed(inbound_id: int, reason: str) -> InboundMessage:
    InboundMessage.objects.filter(pk=inbound_id, state=InboundState.RECEIVED).update(
        state=InboundState.QUARANTINED, reason=reason[:4000], processed_at=now(), attempts=F("attempts") + 1
    )
    return InboundMessage.objects.get(pk=inbound_id)


def process_pending(limit: int = 100) -> int:
    """Process stored messages still ``received`` (oldest first); returns how many."""
    ids = list(
        InboundMessage.objects.filter(state=InboundState.RECEIVED).order_by("id").values_list("id", flat=True)[:limit]
    )
    with routing_snapshot():  # addresses and aliases read once per batch
        for inbound_id in ids:
            process(inbound_id)
    return len(ids)


def requeue(ids: list[int]) -> int:
    """Quarantined/ignored rows go back to ``received`` (the admin's "retry")."""
    return InboundMessage.objects.filter(
        pk__in=ids, state__in=[InboundState.QUARANTINED, InboundState.IGNORED]
    ).update(state=InboundState.RECEIVED, reason="")


# ---------------------------------------------------------------------------- steps
def _process(row: InboundMessage, accept: bool) -> None:
    parsed = parse_message(bytes(row.raw))
    row.from_address = (parsed.from_address or row.envelope_from or "")[:254]
    row.subject = parsed.subject[:300]
    row.message_id = id_key(parsed.message_id)
    if parsed.parse_error:
        raise _Quarantine(f"could not be parsed: {parsed.parse_error}")
    keys = [id_key(k) for k in thread_keys(parsed)]
    # one query answers "seen before?", "sent by us?" and the Message-ID threading
    known = {
        m: (d, t)
        for m, d, t in EmailMessageId.objects.filter(message_id__in=[row.message_id, *keys]).values_list(
            "message_id", "direction", "ticket_id"
        )
    }
    seen = known.get(row.message_id)
    if seen is not None and seen[0] == EmailMessageId.IN:
        row.state, row.ticket_id, row.reason = InboundState.DUPLICATE, seen[1], "Message-ID received before"
        return
    recipients = [*row.envelope_to, *parsed.recipients]
    ticket, how = _thread(parsed, recipients, keys, known)
    if not accept:
        sent = seen is not None and seen[0] == EmailMessageId.OUT
        refused = _loop_reason(parsed, row, _OwnIds(row.message_id, sent))
        if refused:
            row.state, row.reason = InboundState.IGNORED, refused
            if ticket is not None:
                row.ticket = ticket
                _log_ignored(ticket, row)
            return
    if ticket is not None:
        opened = _reply(row, parsed, ticket, how, accept)
    else:
        opened = _open(row, parsed, recipients, accept)
    message = row.ticket_message
    assert message is not None
    EmailMessageId.objects.create(
        message_id=row.message_id, direction=EmailMessageId.IN, ticket_id=message.ticket_id, ticket_message=message
    )
    _store_attachments(row, parsed, message)
    if opened:  # a new ticket (or a follow-up) is acknowledged; a reply is not
        outbound.acknowledge(message.ticket, parsed, row)


def _loop_reason(parsed: ParsedMessage, row: InboundMessage, own_ids: _OwnIds) -> str:
    cfg = conf()
    own = own_addresses() | {cfg.from_address.lower()}
    ok, reason = should_create_ticket(parsed, own_message_ids=own_ids, own_addresses=own)
    if not ok:
        return reason
    if row.from_address:
        since = now() - timedelta(seconds=cfg.rate_window)
        recent = InboundMessage.objects.filter(
            from_address=row.from_address,
            received_at__gt=since,
            state__in=[InboundState.TICKET, InboundState.REPLY],
        ).count()
        if recent >= cfg.rate_limit:
            return f"rate limit: {recent} messages from {row.from_address} in the last {cfg.rate_window:g} s"
    return ""


def _thread(
    parsed: ParsedMessage, recipients: list[str], keys: list[str], known: dict[str, tuple[str, int | None]]
) -> tuple[Ticket | None, str]:
    for key in keys:
        if key in known:
            return Ticket.objects.get(pk=known[key][1]), f"Message-ID {key}"
    ref = find_ticket_ref(parsed.subject)
    if ref is not None:
        ticket = Ticket.objects.filter(pk=ref).first()
        if ticket is not None:
            return ticket, f"[#{ref}] in the subject"
    for address in recipients:
        for secret in conf().secrets:
            number = verify_reply_address(address, secret)
            if number is not None:
                ticket = Ticket.objects.filter(pk=number).first()
                if ticket is not None:
                    return ticket, f"signed reply address {address}"
    return None, ""


def _reply(row: InboundMessage, parsed: ParsedMessage, ticket: Ticket, how: str, accept: bool) -> bool:
    org = ticket.organization
    contact, why = find_contact(row.from_address, parsed.from_name or "", org, create=accept)
    row.organization = org
    if contact is None:
        raise _Quarantine(f"reply to #{ticket.pk} (by {how}): {why}")
    new_text, quoted = extract_reply(parsed.text)
    body = new_text or parsed.text or "(empty message)"
    message = services.reply(ticket, author=contact, body=body, channel=Channel.EMAIL)
    row.quoted_text = quoted
    row.state, row.ticket_id, row.ticket_message = InboundState.REPLY, message.ticket_id, message
    row.reason = f"threaded by {how}"
    if message.ticket_id != ticket.pk:  # a follow-up ticket: it gets its own acknowledgement
        row.reason += f"; follow-up #{message.ticket_id} of #{ticket.pk}"
        return True
    return False


def _open(row: InboundMessage, parsed: ParsedMessage, recipients: list[str], accept: bool) -> bool:
    route = route_for(recipients)
    if route is not None:
        row.route = route.inbound
    org = row.organization or (route.organization if route else None)
    if route is None and org is None:
        shown = ", ".join(dict.fromkeys(recipients)) or "no recipient"
        raise _Quarantine(f"not sent to a routed address ({shown[:500]})")
    contact, why = find_contact(row.from_address, parsed.from_name or "", org, create=accept and org is not None)
    if contact is None:
        row.organization = org
        raise _Quarantine(why if org is not None or not accept else "choose the organization, then retry")
    org = org or contact.organization
    row.organization = org
    priority, set_by, subject = _priority(org.policy_name, parsed.subject, route)
    ticket = services.open_ticket(
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
    )
    row.state, row.ticket, row.ticket_message = InboundState.TICKET, ticket, ticket.messages.get()
    return True


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


def _store_attachments(row: InboundMessage, parsed: ParsedMessage, message: Message) -> None:
    """Parts up to ``max_attachment_bytes`` become attachments (`services.add_attachments`,
    an ``attachment`` event by the sender); larger ones stay in the raw mail, noted in ``reason``."""
    limit = conf().max_attachment_bytes
    notes, uploads = [], []
    for part in parsed.attachments:
        if part.size > limit:
            notes.append(f"{part.filename} ({part.size} bytes) kept in the raw message only: over {limit} bytes")
            continue
        uploads.append((part.filename[:255] or "attachment", part.payload, part.content_type[:200]))
    if uploads:
        author = message.author_contact or row.from_address or None
        services.add_attachments(message, uploads, actor=author, channel=Channel.EMAIL)
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
