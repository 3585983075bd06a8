"""What an admin, an agent or a contact may see and do with tickets, messages, attachments
and the event log. The one place these rules live; API, desk, portal, mail pages and file
downloads all ask here.

Tickets (`visible_tickets`):

* an **admin** (superuser) sees every ticket;
* an **agent** sees the tickets inside its scope (`sladesk.accounts.access.scope_of`):
  of an organization in ``scope_organizations`` (when set) *and* dispatched to a team in
  ``scope_teams`` (when set; a ticket without a team is outside a team scope); an agent
  with no scope sees every ticket;
* a **contact** sees its own organization's tickets;
* anyone else sees nothing.

Messages: staff (admins and agents) read internal notes, contacts only public messages
(`sees_internal_notes`); a message or an attachment is visible when its ticket is and its
message may be read. The event log and related tickets are for staff only.

A ticket outside what a user sees does not exist for them: ``access_*`` raise ``Http404``
(never 403), also for ids no row can have (beyond a 64-bit integer).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from sladesk.accounts.access import checked_id, scope_of

from .models import Attachment, Message, Ticket

__all__ = [
    "access_attachment",
    "access_message",
    "access_ticket",
    "may_read_events",
    "sees_all_tickets",
    "sees_internal_notes",
    "ticket_scope_q",
    "visible_attachments",
    "visible_messages",
    "visible_tickets",
]


def sees_all_tickets(user: Any) -> bool:
    """An admin, or an agent without a scope (no filter needed: fast paths may skip it)."""
    return scope_of(user).sees_all


def sees_internal_notes(user: Any) -> bool:
    """Staff (admins and agents, scoped or not) read internal notes; contacts never."""
    return scope_of(user).is_staff


#: The ticket's event log mentions internal notes: staff only, like the notes.
may_read_events = sees_internal_notes


def ticket_scope_q(user: Any, prefix: str = "") -> Q | None:
    """The condition on tickets (reached through ``prefix``, e.g. ``"ticket__"``) that
    ``user`` may see; None when every ticket is visible. ``Q(pk__in=[])`` for nobody."""
    scope = scope_of(user)
    if scope.sees_all:
        return None
    if scope.role is None:
        return Q(**{f"{prefix}pk__in": []})
    q = Q()
    if scope.organizations is not None:
        q &= Q(**{f"{prefix}organization_id__in": sorted(scope.organizations)})
    if scope.teams is not None:
        q &= Q(**{f"{prefix}team_id__in": sorted(scope.teams)})
    return q


def visible_tickets(user: Any) -> QuerySet[Ticket]:
    """The tickets ``user`` may see (see the module's rules)."""
    return _narrowed(Ticket.objects.all(), user)


def _narrowed(qs: QuerySet[Ticket], user: Any) -> QuerySet[Ticket]:
    q = ticket_scope_q(user)
    if q is None:
        return qs
    if scope_of(user).role is None:
        return qs.none()
    return qs.filter(q)


def access_ticket(user: Any, ticket_id: Any, queryset: QuerySet[Ticket] | None = None) -> Ticket:
    """The ticket ``ticket_id`` when ``user`` may see it, else ``Http404``.

    ``queryset``: a queryset of tickets to read it from (``select_related`` etc.); it is
    narrowed to the visible tickets here.
    """
    pk = checked_id(ticket_id)
    qs = _narrowed(Ticket.objects.all() if queryset is None else queryset, user)
    found = qs.filter(pk=pk).first()
    if found is None:
        raise Http404("no such ticket")
    return found


def visible_messages(user: Any, qs: QuerySet[Message] | None = None) -> QuerySet[Message]:
    """The messages of ``qs`` (default: all) ``user`` may read: on a visible ticket, and
    public unless ``user`` is staff. Authors are joined (the pages show them)."""
    qs = Message.objects.all() if qs is None else qs
    qs = qs.select_related("author_user", "author_contact")
    scope = scope_of(user)
    if scope.role is None:
        return qs.none()
    if not scope.is_staff:
        qs = qs.filter(public=True)
    q = ticket_scope_q(user, "ticket__")
    return qs if q is None else qs.filter(q)


def access_message(user: Any, message_id: Any) -> Message:
    """The message when ``user`` may read it (its ticket visible, notes for staff only);
    ``Http404`` otherwise."""
    found = visible_messages(user).filter(pk=checked_id(message_id)).first()
    if found is None:
        raise Http404("no such message")
    return found


def visible_attachments(user: Any) -> QuerySet[Attachment]:
    """The files on messages ``user`` may read."""
    return Attachment.objects.filter(message__in=visible_messages(user).values("pk"))


def access_attachment(user: Any, attachment_id: Any) -> Attachment:
    """The attachment when ``user`` may read its message; ``Http404`` otherwise."""
    found = visible_attachments(user).filter(pk=checked_id(attachment_id)).first()
    if found is None:
        raise Http404("no such attachment")
    return found
