"""Replies and notes: what a public reply, a customer reply and a note do to a ticket.

See `sladesk.tickets.services` for the conventions every service follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from sladesk.accounts.models import Contact
from sladesk.core import time as core_time

from .. import clocks, events, search
from ..announce import AgentReplied, announce
from ..clocks import ClockChange
from ..models import (
    Channel,
    Message,
    Metric,
    Status,
    Ticket,
)
from ..subjects import topic
from .attachments import Upload, check_uploads, files_follow_transaction, store_uploads
from .base import (
    Log,
    ServiceError,
    clocks_by_metric,
    customer_side,
    lock,
    refresh,
    sanitize,
    save_clocks,
    set_status,
    touch,
)
from .lifecycle import reopen_in, resume_in
from .opening import open_ticket
from .relations import merge_target

__all__ = ["add_note", "reply"]


def reply(
    ticket: Ticket,
    *,
    author: Any,
    body: str,
    public: bool = True,
    channel: str = Channel.WEB,
    html: str | None = None,
    attachments: Sequence[Upload] = (),
) -> Message:
    """Add a message from an agent or the customer and move the clocks (see module table).

    ``public=False`` is an internal note (`add_note`). A customer reply to a solved ticket
    reopens it when it comes within ``settings.SLADESK_REOPEN_WINDOW`` of ``solved_at``;
    later, or on a closed ticket, it opens a follow-up ticket (``follow_up_of``), named
    with the old ticket's topic (subject without ``Re:``/``AW:``/``Fwd:`` prefixes and
    ``[#N]`` references), and the returned message belongs to that new ticket. A customer
    reply to a ticket that was
    merged goes to the ticket it was merged into (`merge_target`). ``attachments`` are
    stored on the message in the same transaction (`add_attachments`).
    """
    if not public:
        return add_note(
            ticket, author=author, body=body, channel=channel, html=html, attachments=attachments
        )
    check_uploads(attachments)
    now = core_time.now()
    customer = customer_side(author)
    with files_follow_transaction(), transaction.atomic():
        ticket = lock(ticket)
        if customer is not None and customer.organization_id != ticket.organization_id:
            raise ServiceError("a contact can only reply on its own organization's tickets")
        merged = merge_target(ticket) if ticket.status == Status.CLOSED else None
        if customer is not None and merged is not None:
            return reply(
                merged,
                author=author,
                body=body,
                channel=channel,
                html=html,
                attachments=attachments,
            )
        if customer is not None and _needs_follow_up(ticket, now):
            follow = open_ticket(
                organization=ticket.organization,
                requester=customer,
                subject=_follow_up_subject(ticket),
                description=body,
                description_html=html,
                priority=ticket.priority,
                channel=channel,
                custom_fields=ticket.custom_fields,
                actor=author,
                follow_up_of=ticket,
                attachments=attachments,
            )
            log = Log(ticket, author, channel, now)
            log.add(events.follow_up, follow_up=follow.pk)
            log.flush()
            return follow.opening.message
        log = Log(ticket, author, channel, now)
        refresh(ticket, now, log)
        message = Message.objects.create(
            ticket=ticket,
            author_user=None if isinstance(author, Contact) else author,
            author_contact=customer,
            from_customer=customer is not None,
            public=True,
            body_text=body,
            body_html=sanitize(body, html),
            channel=channel,
            created_at=now,
        )
        search.message_added(message)
        log.add(events.message, message_id=message.pk, from_customer=customer is not None)
        store_uploads(message, attachments, log)
        if customer is not None:
            _customer_replied(ticket, now, log)
        else:
            _agent_replied(ticket, now, log)
        touch(ticket, now, "status", "solved_at")
        log.flush()
        if customer is None:
            announce(AgentReplied(message))
    return message


def opened_follow_up(message: Message) -> bool:
    """Whether the customer reply `reply` returned opened a new follow-up ticket (its
    ``ticket`` was opened by that call), rather than landing on the ticket replied to or on
    the ticket that one was merged into."""
    return getattr(message.ticket, "opening", None) is not None


def _follow_up_subject(ticket: Ticket) -> str:
    """The old ticket's topic: its subject without reply/forward prefixes or ``[#N]``
    references (`sladesk.tickets.subjects.topic`), as support teams name a follow-up."""
    return topic(ticket.subject) or ticket.subject


def _needs_follow_up(ticket: Ticket, now: datetime) -> bool:
    if ticket.status == Status.CLOSED:
        return True
    if ticket.status == Status.SOLVED:
        solved = ticket.solved_at or ticket.updated_at
        return bool(now - solved > settings.SLADESK_REOPEN_WINDOW)
    return False


def _customer_replied(ticket: Ticket, now: datetime, log: Log) -> None:
    if ticket.status == Status.PENDING:
        resume_in(ticket, now, log, "customer replied")
    elif ticket.status == Status.SOLVED:
        reopen_in(ticket, now, log, "customer replied within the reopen window")


def _agent_replied(ticket: Ticket, now: datetime, log: Log) -> None:
    targets = clocks.targets_of(ticket)
    current = clocks_by_metric(ticket)
    changes: list[ClockChange | None] = []
    first = current.get(Metric.FIRST_RESPONSE)
    if first is not None:
        changes.append(
            clocks.meet(first, targets.get(Metric.FIRST_RESPONSE), now, "first public agent reply")
        )
    target = targets.get(Metric.NEXT_UPDATE)
    if (
        target is not None
        and not target.continuous
        and ticket.status not in (Status.SOLVED, Status.CLOSED)
    ):
        nxt = current.get(Metric.NEXT_UPDATE)
        if nxt is None:
            changes.append(clocks.new_clock(ticket, target, now))
        else:
            changes.append(clocks.restart(nxt, target, now, "public agent update"))
        if ticket.status == Status.PENDING and target.pauses_when_pending:
            changes.append(clocks.pause(changes[-1].clock, target, now, "pending"))  # type: ignore[union-attr]
    save_clocks(changes, log)
    if ticket.status == Status.NEW:
        set_status(ticket, Status.OPEN, log, "first public agent reply")


def add_note(
    ticket: Ticket,
    *,
    author: Any,
    body: str,
    channel: str = Channel.WEB,
    html: str | None = None,
    attachments: Sequence[Upload] = (),
) -> Message:
    """An internal note (agents only; never shown to contacts; no effect on SLA clocks)."""
    if customer_side(author) is not None:
        raise ServiceError("contacts cannot write internal notes")
    check_uploads(attachments)
    now = core_time.now()
    with files_follow_transaction(), transaction.atomic():
        ticket = lock(ticket)
        log = Log(ticket, author, channel, now)
        message = Message.objects.create(
            ticket=ticket,
            author_user=author,
            public=False,
            body_text=body,
            body_html=sanitize(body, html),
            channel=channel,
            created_at=now,
        )
        search.message_added(message)
        log.add(events.note, message_id=message.pk)
        store_uploads(message, attachments, log)
        touch(ticket, now)
        log.flush()
    return message
