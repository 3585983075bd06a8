"""The steps of processing a batch of stored messages (`sladesk.intake.pipeline._run`).

A batch runs in three passes. `decide` decides each row in order from what the batch
knows (the rows before it included): quarantined, duplicate, ignored, a reply or a new
ticket. New tickets are then opened together (`open_pending`, one insert per table),
and the rest runs in row order (`finish`): replies, the tickets of duplicates and of
ignored mail. A row that threads to a row of the same batch names that row as its target
and gets the ticket that row ended on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model

from sladesk.accounts.models import Contact, Organization
from sladesk.core.policies import get_policy
from sladesk.core.time import now
from sladesk.intake.email import (
    ParsedMessage,
    extract_reply,
    find_ticket_ref,
    should_create_ticket,
    split_priority_tag,
    thread_keys,
    verify_reply_address,
)
from sladesk.notify import pages
from sladesk.notify.models import Page
from sladesk.tickets import events, services
from sladesk.tickets.models import Attachment, Channel, Message, Ticket

from .batch import Batch
from .limits import over_limit
from .models import EmailMessageId, InboundMessage, InboundState
from .routing import Route, own_addresses, route_for
from .store import NULL_SENDER, id_key
from .trust import is_verified, may_thread_by_number, open_terms

__all__ = ["Quarantine", "decide", "finish", "open_pending"]


class Quarantine(Exception):
    """Stop processing: keep the message for an agent, with this reason."""


@dataclass
class _Later:
    """What `finish` does for a row: ``kind`` reply/duplicate/ignored, on ``target``."""

    kind: str
    row: InboundMessage
    parsed: ParsedMessage
    target: Ticket | InboundMessage | None
    how: str = ""
    contact: Contact | None = None
    uploads: list[tuple[str, bytes, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    page: Page | None = None
    agent: Any = None


def decide(row: InboundMessage, parsed: ParsedMessage, batch: Batch, accept: bool) -> None:
    """First pass, in row order: set what the row is (duplicate, ignored) or queue what it
    becomes (a new ticket in ``batch.opening``, a reply in ``batch.later``); raises
    `Quarantine` with the reason. Only reads: tickets are written by the later passes."""
    row.from_address = (parsed.from_address or row.envelope_from or "")[:254]
    row.subject = parsed.subject[:300]
    row.message_id = id_key(parsed.message_id)
    auth = batch.auth[row.pk]
    row.authentication, row.verdict, row.identity = auth.as_dict(), auth.verdict, auth.identity
    verified = is_verified(row, auth, batch.cfg, accept)
    if parsed.parse_error:
        raise Quarantine(f"could not be parsed: {parsed.parse_error}")
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
    target, how = _thread(parsed, recipients, keys, batch, row.from_address, verified)
    if not accept:
        sent = seen is not None and seen[0] == EmailMessageId.OUT
        refused = _loop_reason(parsed, row, _OwnIds(row.message_id, sent), batch)
        if refused:
            row.state, row.reason = InboundState.IGNORED, refused
            if target is not None:
                batch.later.append(_Later("ignored", row, parsed, target))
            return
        limited = over_limit(batch.keys[row.pk], batch.recent, batch.cfg)
        if limited:
            raise Quarantine(limited)
    if verified and _page_acknowledgement(row, parsed, batch):  # a forged mail acknowledges nothing
        return
    uploads, notes = _uploads(
        parsed, min(batch.cfg.max_attachment_bytes, services.MAX_ATTACHMENT_BYTES)
    )
    if target is not None:
        org = _organization(target)
        contact, why = batch.contact(
            row.from_address, parsed.from_name or "", org, accept, verified
        )
        row.organization = org
        if contact is None:
            raise Quarantine(f"reply to {_number(target)} (by {how}): {why}")
        batch.later.append(_Later("reply", row, parsed, target, how, contact, uploads, notes))
    else:
        _open(row, parsed, recipients, batch, accept, uploads, notes, verified)
    batch.pending[row.message_id] = row
    for key in batch.keys[row.pk]:
        batch.recent[key] = batch.recent.get(key, 0) + 1


def _page_acknowledgement(row: InboundMessage, parsed: ParsedMessage, batch: Batch) -> bool:
    """An agent's reply to a page e-mail (its subject keeps ``[ack <page key>]``, and the
    loop checks above already ignored auto-replies) acknowledges the page in `finish`."""
    page = pages.page_for_subject(parsed.subject)
    if page is None:
        return False
    agent = (
        get_user_model()
        .objects.filter(email__iexact=row.from_address, is_active=True, agent_profile__isnull=False)
        .first()
    )
    if agent is None:
        return False
    row.state, row.ticket_id = InboundState.IGNORED, page.ticket_id
    row.reason = f"acknowledges page #{page.pk} (an e-mail reply by {agent.get_username()})"
    batch.later.append(_Later("page_ack", row, parsed, None, page=page, agent=agent))
    return True


def _organization(target: Ticket | InboundMessage) -> Organization:
    """The organization of the ticket ``target`` is or will be on."""
    if isinstance(target, Ticket):
        return target.organization
    assert target.organization is not None  # set by `decide` before a row becomes a target
    return target.organization


def _number(target: Ticket | InboundMessage) -> str:
    return f"#{target.pk}" if isinstance(target, Ticket) else f"the ticket of message {target.pk}"


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
    batch.received.append(
        EmailMessageId(
            message_id=row.message_id,
            direction=EmailMessageId.IN,
            ticket_id=message.ticket_id,
            ticket_message=message,
            created_at=now(),
        )
    )
    batch.known[row.message_id] = (EmailMessageId.IN, message.ticket_id)


def finish(later: _Later, batch: Batch) -> None:
    """Last pass, in row order, after the batch's tickets are opened: the reply
    (``services.reply`` with the new text and the files), or the ticket of a duplicate or
    of ignored mail."""
    row, target = later.row, later.target
    if later.kind == "page_ack":
        assert later.page is not None
        pages.acknowledge_page(later.page, later.agent, via="email")
        return
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
        _acknowledge(batch, message.ticket, later.parsed, row)
    elif message.ticket_id != ticket.pk:
        row.reason += f"; #{ticket.pk} was merged into #{message.ticket_id}"
    _link_inline(message, later.parsed, batch)
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
    if row.envelope_from == NULL_SENDER:  # the SMTP envelope decides before any heuristic
        return "bounce: null envelope sender (MAIL FROM:<>)"
    ok, reason = should_create_ticket(parsed, own_message_ids=own_ids, own_addresses=own)
    return "" if ok else reason


def _thread(
    parsed: ParsedMessage,
    recipients: list[str],
    keys: list[str],
    batch: Batch,
    sender: str,
    verified: bool,
) -> tuple[Ticket | InboundMessage | None, str]:
    """The ticket (or the earlier row of the batch) a message threads to, and how; a
    ``[#N]`` from an unverified sender only to a ticket of theirs (`trust`)."""
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
        if (
            ticket is not None
            and _ref_fits(ticket, recipients)
            and may_thread_by_number(ticket, sender, verified)
        ):
            return ticket, f"[#{ref}] in the subject"
    for address in recipients:
        for secret in batch.secrets:
            number = verify_reply_address(address, secret)
            if number is not None:
                ticket = _numbered(number, batch)
                if ticket is not None:
                    return ticket, f"signed reply address {address}"
    return None, ""


def _ref_fits(ticket: Ticket, recipients: list[str]) -> bool:
    """Whether a ``[#N]`` in the subject may thread into ``ticket``: a number in a subject is
    typed (or kept from another thread), not proof like a Message-ID or a signed address,
    so a mail sent to one organization's own alias (``nordlicht@``) ignores a reference to
    another organization's ticket and is routed as new mail. Shared addresses (no
    organization) keep the reference; the sender must then be the ticket's contact."""
    route = route_for(recipients)
    org = route.organization if route is not None else None
    return org is None or org.pk == ticket.organization_id


def _numbered(number: int, batch: Batch) -> Ticket | None:
    """Ticket ``number`` through the batch's tickets; when it is not found and the batch
    has tickets still to open, they are opened first (it may be one of them)."""
    ticket = batch.ticket(number)
    if ticket is None and batch.opening:
        open_pending(batch)
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
    verified: bool,
) -> None:
    route = route_for(recipients)
    if route is not None:
        row.route = route.inbound
    org = row.organization or (route.organization if route else None)
    if route is None and org is None:
        shown = ", ".join(dict.fromkeys(recipients)) or "no recipient"
        raise Quarantine(f"not sent to a routed address ({shown[:500]})")
    contact, why = batch.contact(
        row.from_address, parsed.from_name or "", org, accept and org is not None, verified
    )
    if contact is None:
        row.organization = org
        raise Quarantine(
            why if org is not None or not accept else "choose the organization, then retry"
        )
    org = org or contact.organization
    row.organization = org
    priority, set_by, subject = _priority(org.policy_name, parsed.subject, route)
    terms = open_terms(
        get_policy(org.policy_name).policy,
        org,
        priority,
        set_by,
        verified=verified,
        identity=row.identity,
        paged=batch.paged,
        cfg=batch.cfg,
        now=now(),
    )
    row.held = terms.held
    if terms.note:
        notes.append(terms.note)
    request = services.OpenRequest(
        organization=org,
        requester=contact,
        subject=" ".join(subject.splitlines()) or "(no subject)",  # one line, always
        description=parsed.text or "(empty message)",
        description_html=parsed.html_safe,
        priority=terms.priority,
        channel=Channel.EMAIL,
        actor=contact,
        set_by=terms.set_by,
        may_page=terms.may_page,
        team=route.team if route is not None else None,
        attachments=uploads,
    )
    batch.opening.append((row, parsed, request, notes))


def open_pending(batch: Batch) -> None:
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
        _link_inline(message, parsed, batch)
        _note(row, notes)
        _received(row, message, batch)
        _acknowledge(batch, ticket, parsed, row)


def _acknowledge(batch: Batch, ticket: Ticket, parsed: ParsedMessage, row: InboundMessage) -> None:
    """Queue the new ticket's acknowledgement, unless the mail must get no automatic
    answer (list or bulk mail, RFC 3834 §2): then the reason says so."""
    if parsed.no_answer_reason:
        _note(row, [f"no acknowledgement: {parsed.no_answer_reason}"])
        return
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
            notes.append(
                f"{part.filename} ({part.size} bytes) kept in the raw message only: "
                f"over {limit} bytes"
            )
            continue
        uploads.append((part.filename[:255] or "attachment", part.payload, part.content_type[:200]))
    return uploads, notes


def _link_inline(message: Message, parsed: ParsedMessage, batch: Batch) -> None:
    """Show the mail's inline images (``cid:`` in its HTML) from the attachments its parts
    became on ``message`` (`services.link_inline_images`); one query, only for such mail."""
    limit = min(batch.cfg.max_attachment_bytes, services.MAX_ATTACHMENT_BYTES)
    content_ids = [part.content_id or "" for part in parsed.attachments if part.size <= limit]
    if not any(content_ids) or "cid:" not in message.body_html:
        return
    stored = list(Attachment.objects.filter(message=message).order_by("pk"))
    if len(stored) == len(content_ids):  # the parts, in the order they were stored
        services.link_inline_images(message, dict(zip(content_ids, stored, strict=True)))


def _note(row: InboundMessage, notes: list[str]) -> None:
    if notes:
        row.reason = "; ".join([row.reason, *notes]).strip("; ")


def _log_ignored(ticket: Ticket, row: InboundMessage) -> None:
    events.write(
        [
            events.notify(
                ticket,
                now(),
                actor=row.from_address or "system",
                event_channel=Channel.EMAIL,
                action="inbound_ignored",
                inbound=row.pk,
                reason=row.reason,
            )
        ]
    )
