"""Who may see which received mail: the quarantine pages, the raw mail and the original
email behind a ticket message. The one place these rules live (built on
`sladesk.accounts.access.scope_of` and `sladesk.tickets.access`).

Received mail is for staff only (contacts and anyone else: nothing, 404):

* an **admin**, or an agent without a scope, sees every received mail;
* a **scoped agent** sees mail on a ticket it may see, and mail not on any ticket
  (quarantined, ignored) that was routed to an organization of its scope — only when its
  scope has no team limit (mail without a ticket has no team). Mail that reached no routed
  address (no organization) is for unscoped agents only.

The original email of a ticket message is visible when the message is
(`sladesk.tickets.access.access_message`) and the viewer is staff.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from sladesk.accounts.access import checked_id, scope_of
from sladesk.tickets.access import access_message, ticket_scope_q

from .models import InboundMessage

__all__ = ["access_inbound", "check_original", "visible_inbound"]


def visible_inbound(
    user: Any, qs: QuerySet[InboundMessage] | None = None
) -> QuerySet[InboundMessage]:
    """The received mail of ``qs`` (default: all) that ``user`` may see (module rules)."""
    qs = InboundMessage.objects.all() if qs is None else qs
    scope = scope_of(user)
    if not scope.is_staff:
        return qs.none()
    if scope.sees_all:
        return qs
    on_ticket = Q(ticket__isnull=False) & ticket_scope_q(user, "ticket__")  # type: ignore[operator]
    if scope.teams is None and scope.organizations is not None:
        return qs.filter(
            on_ticket | Q(ticket__isnull=True, organization_id__in=sorted(scope.organizations))
        )
    return qs.filter(on_ticket)


def access_inbound(
    user: Any, inbound_id: Any, qs: QuerySet[InboundMessage] | None = None
) -> InboundMessage:
    """The received mail when ``user`` may see it; ``Http404`` otherwise."""
    found = visible_inbound(user, qs).filter(pk=checked_id(inbound_id)).first()
    if found is None:
        raise Http404("no such mail")
    return found


def check_original(user: Any, message_id: Any) -> int:
    """The id of a ticket message whose original email ``user`` may read (staff, and the
    message visible to them); ``Http404`` otherwise, whether or not it came by email."""
    if not scope_of(user).is_staff:
        raise Http404("no such message")
    return access_message(user, message_id).pk
