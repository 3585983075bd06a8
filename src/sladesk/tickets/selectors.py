"""Reads of tickets for views, the API and reports. No writes here.

Every list is batch-loaded (``select_related`` for the ticket's foreign keys,
``prefetch_related`` for tags and clocks) so a page of tickets costs a constant number of
queries. Visibility (`visible_tickets`): agents and admins see every ticket; a contact sees
only its own organization's tickets and never internal notes; anyone else sees nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from sladesk.accounts.roles import Role, role_of
from sladesk.core import clock as core_clock

from . import clocks
from .clocks import ClockStatus
from .models import ClockState, Message, SlaClock, Ticket, TicketEvent

__all__ = [
    "clock_statuses",
    "filter_tickets",
    "get_ticket",
    "ticket_events",
    "ticket_list",
    "visible_messages",
    "visible_tickets",
]

_LIST_RELATED = ("organization", "requester", "team", "assignee", "policy_version")


def visible_tickets(user: Any) -> QuerySet[Ticket]:
    """The tickets ``user`` may see (agents: all; contacts: their organization's; else none)."""
    role = role_of(user)
    qs = Ticket.objects.all()
    if role in (Role.ADMIN, Role.AGENT):
        return qs
    if role == Role.CONTACT:
        return qs.filter(organization_id=user.contact.organization_id)
    return qs.none()


def filter_tickets(
    qs: QuerySet[Ticket],
    *,
    status: str | Iterable[str] | None = None,
    priority: str | None = None,
    organization: int | None = None,
    team: int | None = None,
    assignee: int | None = None,
    tag: str | None = None,
    breaching_before: datetime | None = None,
) -> QuerySet[Ticket]:
    """Apply the list filters. ``breaching_before``: some *running* clock is due before it
    (half-open: ``due_at < breaching_before``; uses the partial index on running clocks)."""
    if status:
        qs = qs.filter(status=status) if isinstance(status, str) else qs.filter(status__in=list(status))
    if priority:
        qs = qs.filter(priority=priority)
    if organization:
        qs = qs.filter(organization_id=organization)
    if team:
        qs = qs.filter(team_id=team)
    if assignee:
        qs = qs.filter(assignee_id=assignee)
    if tag:
        qs = qs.filter(tags__name=tag)
    if breaching_before is not None:
        due = SlaClock.objects.filter(
            ticket=OuterRef("pk"), state=ClockState.RUNNING, due_at__lt=breaching_before
        )
        qs = qs.filter(Exists(due))
    return qs


def ticket_list(user: Any, **filters: Any) -> QuerySet[Ticket]:
    """Visible tickets, filtered (see `filter_tickets`), newest first, batch-loaded."""
    qs = filter_tickets(visible_tickets(user), **filters)
    return qs.select_related(*_LIST_RELATED).prefetch_related("tags", "clocks")


def get_ticket(user: Any, ticket_id: int) -> Ticket:
    """One visible ticket with its clocks, tags and the messages ``user`` may read.

    Raises ``Ticket.DoesNotExist`` for a ticket that does not exist *or* is not visible
    (so the API answers 404 to other organizations' contacts, never 403).
    """
    messages = visible_messages(user, Message.objects.all()).prefetch_related("attachments")
    return (
        visible_tickets(user)
        .select_related(*_LIST_RELATED)
        .prefetch_related("tags", "clocks", Prefetch("messages", queryset=messages))
        .get(pk=ticket_id)
    )


def visible_messages(user: Any, qs: QuerySet[Message] | None = None) -> QuerySet[Message]:
    """Messages ``user`` may read: contacts never see internal notes."""
    qs = Message.objects.all() if qs is None else qs
    qs = qs.select_related("author_user", "author_contact")
    if role_of(user) in (Role.ADMIN, Role.AGENT):
        return qs
    return qs.filter(public=True)


def ticket_events(ticket: Ticket) -> QuerySet[TicketEvent]:
    """The ticket's history, oldest first (agents only: it mentions internal notes)."""
    return TicketEvent.objects.filter(ticket=ticket).select_related("actor_user", "actor_contact")


def clock_statuses(ticket: Ticket, now: datetime | None = None) -> list[ClockStatus]:
    """The ticket's clocks as of ``now`` (default: `core.now()`), computed without writing.

    Uses prefetched ``ticket.clocks`` when present. A running clock past its due instant
    reads as breached even before `services.refresh_clocks` records it.
    """
    now = now or core_clock.now()
    targets = clocks.targets_of(ticket)
    order = {m: i for i, m in enumerate(("first_response", "next_update", "resolution", "dispatch"))}
    rows = sorted(ticket.clocks.all(), key=lambda c: order.get(c.metric, 9))
    return [clocks.status_of(c, targets.get(c.metric), now) for c in rows]
