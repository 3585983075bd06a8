"""The one composed write the API needs: a PATCH that touches several aspects of a ticket.

``PATCH /tickets/{id}/`` may change fields, the priority, the assignment and the status in
one request. `update_ticket` calls the matching `sladesk.tickets.services` functions — and
nothing else writes — inside one transaction, so the request succeeds or changes nothing.
Order: fields (whose policy rules may move the priority), then an explicit priority
(the agent's word is last), then the assignment (dispatch), then the status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from sladesk.accounts.models import Team
from sladesk.tickets import services
from sladesk.tickets.models import Channel, Ticket

__all__ = ["update_ticket"]


def update_ticket(
    ticket: Ticket,
    *,
    actor: Any,
    subject: str | None = None,
    custom_fields: Mapping[str, Any] | None = None,
    tags: Sequence[str] | None = None,
    priority: str | None = None,
    reason: str = "",
    team: Team | None = None,
    assignee: Any = None,
    status: str | None = None,
    channel: str = Channel.API,
) -> Ticket:
    """Apply the given changes through the services, all or nothing (see module docstring)."""
    with transaction.atomic():
        if subject is not None or custom_fields is not None or tags is not None:
            ticket = services.update_fields(
                ticket,
                subject=subject,
                custom_fields=custom_fields,
                tags=tags,
                actor=actor,
                channel=channel,
            )
        if priority is not None:
            ticket = services.change_priority(
                ticket, priority=priority, actor=actor, reason=reason, channel=channel
            )
        if team is not None or assignee is not None:
            ticket = services.assign(
                ticket, team=team, assignee=assignee, actor=actor, channel=channel
            )
        if status is not None:
            ticket = services.change_status(
                ticket, status=status, actor=actor, reason=reason, channel=channel
            )
    return ticket
