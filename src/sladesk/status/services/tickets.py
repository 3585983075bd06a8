"""Tickets and incidents: link them, open an incident from an urgent ticket, tell the
requesters when it resolves.

`tell_tickets` posts a public reply on every linked ticket through the ticket services
(`sladesk.tickets.services.reply`: the ticket's history and clocks see it). A ticket that
came in by e-mail gets that reply by mail from the e-mail channel; any other requester
gets it from here, queued in the outbox to the requester's address — so every requester
really is mailed, once (outbox key ``status:told:<link id>``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.db import transaction

from sladesk.accounts.roles import Role, role_of
from sladesk.core import time as core_time
from sladesk.notify import Notification
from sladesk.notify.models import OutboxMessage
from sladesk.notify.outbox import enqueue, message
from sladesk.notify.recipients import Recipient
from sladesk.tickets import services as ticket_services
from sladesk.tickets.clocks import policy_of
from sladesk.tickets.models import Channel, Ticket

from ..models import Incident, IncidentUpdate, StatusPage, TicketIncident
from ._common import ServiceError

__all__ = ["can_open_incident", "link_ticket", "open_incident_for_ticket", "tell_tickets"]


def can_open_incident(ticket: Ticket) -> bool:
    """Whether ``ticket`` is urgent enough to declare an incident from the desk: its
    priority is its policy's most urgent one (Particle P1, Esper Sev1, Houseware P0,
    freistilbox urgent)."""
    try:
        return policy_of(ticket).rank(ticket.priority) == 0
    except Exception:  # an unknown priority is not urgent
        return False


@transaction.atomic
def link_ticket(ticket: Ticket, incident: Incident, *, actor: Any = None) -> TicketIncident:
    """Link ``ticket`` to ``incident`` (a ticket is about one incident: relinking moves it)."""
    link, _ = TicketIncident.objects.update_or_create(
        ticket=ticket,
        defaults={
            "incident": incident,
            "linked_at": core_time.now(),
            "linked_by": actor if _is_staff(actor) else None,
            "told_at": None,
        },
    )
    return link


@transaction.atomic
def open_incident_for_ticket(
    ticket: Ticket,
    page: StatusPage,
    *,
    actor: Any,
    name: str = "",
    body: str = "",
    impact: str = "major",
    components: Mapping[Any, str] | None = None,
) -> Incident:
    """Declare an incident on ``page`` from an urgent ticket (agents only) and link them."""
    from .incidents import open_incident

    if not _is_staff(actor):
        raise ServiceError("only agents may open an incident")
    if not can_open_incident(ticket):
        raise ServiceError(
            f"only a ticket of the policy's most urgent priority may open an incident "
            f"(ticket #{ticket.pk} is {ticket.priority})"
        )
    incident = open_incident(
        page,
        name=name or ticket.subject,
        body=body or "We are investigating reports of a problem.",
        impact=impact,
        components=components,
        actor=actor,
    )
    link_ticket(ticket, incident, actor=actor)
    return incident


def _reply_text(incident: Incident, update: IncidentUpdate) -> str:
    return (
        f'The incident "{incident.name}" this request is about has been resolved.\n\n{update.body}'
    )


def tell_tickets(incident: Incident, update: IncidentUpdate, *, actor: Any = None) -> int:
    """Reply on every linked, not yet told ticket (in the caller's transaction); returns
    how many requesters were told."""
    now = core_time.now()
    author = actor if _is_staff(actor) else None
    links = TicketIncident.objects.filter(incident=incident, told_at__isnull=True)
    told = 0
    for link in links.select_related("ticket", "ticket__requester"):
        ticket = link.ticket
        text = _reply_text(incident, update)
        reply = ticket_services.reply(ticket, author=author, body=text, channel=Channel.SYSTEM)
        mailed = OutboxMessage.objects.filter(
            idempotency_key__startswith=f"mail:reply:{reply.pk}"
        ).exists()
        address = ticket.requester.email
        if not mailed and address:
            key = f"status:told:{link.pk}"
            notification = Notification(
                idempotency_key=key,
                channel="email",
                summary=f"[#{ticket.pk}] {incident.name}: resolved",
                body=f"{text}\n\n--\nTicket #{ticket.pk}: {ticket.subject}\n",
                extra={
                    "mail": {
                        "subject": f"Re: [#{ticket.pk}] {ticket.subject}",
                        "from": settings.DEFAULT_FROM_EMAIL,
                        "message_id": f"<status-told-{link.pk}.{incident.public_id}@sladesk>",
                        "auto_submitted": "auto-generated",
                    }
                },
            )
            recipient = Recipient("email", f"email:{address}", f"requester of #{ticket.pk}")
            enqueue(
                [
                    message(
                        notification,
                        recipient,
                        key=key,
                        purpose="incident_resolved",
                        at=now,
                        ticket_id=ticket.pk,
                    )
                ]
            )
        link.told_at = now
        link.save(update_fields=["told_at"])
        told += 1
    return told


def _is_staff(actor: object) -> bool:
    """Whether ``actor`` is an agent or an admin (a user who works tickets)."""
    return role_of(actor) in (Role.AGENT, Role.ADMIN)
