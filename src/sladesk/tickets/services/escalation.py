"""Escalation: one step up the policy's escalation ladder, with a reason.

See `sladesk.tickets.services` for the conventions every service follows.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from sladesk.core import time as core_time

from .. import events
from ..announce import TicketEscalated, announce
from ..models import Channel, Ticket
from .base import Log, ServiceError, customer_side, lock, touch

__all__ = ["ESCALATION_FIELDS", "check_custom_fields", "escalate", "escalation_level"]

#: Names that are not custom fields: the escalation lives in the ticket's own columns,
#: written only by `escalate` (a contact may write custom fields; a custom field with one
#: of these names is refused by `check_custom_fields`).
ESCALATION_FIELDS = frozenset({"escalation_level", "escalation_role", "escalation_reason"})


def check_custom_fields(fields: Mapping[str, Any] | None) -> None:
    """Raise `ServiceError` when ``fields`` name the escalation (`ESCALATION_FIELDS`): it is
    not a custom field and changes only by escalating, whoever asks."""
    reserved = sorted(ESCALATION_FIELDS.intersection(fields or ()))
    if reserved:
        raise ServiceError(
            f"{', '.join(reserved)} is not a custom field: the escalation changes only by "
            "escalating (one rung at a time, with a reason)"
        )


def escalation_level(ticket: Ticket) -> int:
    """How many rungs of its policy's ladder the ticket has climbed (0: not escalated)."""
    return ticket.escalation_level


def escalate(
    ticket: Ticket, *, actor: Any, reason: str, channel: str = Channel.WEB, after: str | None = None
) -> Ticket:
    """Climb one rung of the ticket's escalation ladder (Houseware: Customer Happiness
    Manager → Head of Customer Experience → Chief Executive Officer) and say why.

    The customer or an agent may escalate; ``reason`` is required. The level, the rung's
    role and the reason are kept in the ticket's own ``escalation_level``,
    ``escalation_role`` and ``escalation_reason`` (written nowhere else: not custom fields,
    which a contact may write) and logged as an ``escalation`` event. SLA clocks do not
    move (the ladder names people, not targets). `TicketEscalated` is announced in the same
    transaction: the rung is told by e-mail and the climb to the next rung is armed when
    that rung has ``after:`` (`sladesk.notify.escalations`); ``ticket.escalation_told`` on
    the returned ticket lists who was told (the event's ``told``). ``after`` is given by
    that timer's climb and logged with the event.
    Raises `ServiceError` when the policy has no ladder, the top is reached, or a contact
    escalates another organization's ticket.
    """
    if not reason or not reason.strip():
        raise ServiceError("an escalation needs a reason")
    customer = customer_side(actor) if actor is not None and not isinstance(actor, str) else None
    now = core_time.now()
    with transaction.atomic():
        ticket = lock(ticket)
        if customer is not None and customer.organization_id != ticket.organization_id:
            raise ServiceError("a contact can only escalate its own organization's tickets")
        ladder = ticket.policy.escalation
        if not ladder:
            raise ServiceError(f"the {ticket.policy_name} policy has no escalation ladder")
        level = escalation_level(ticket)
        if level >= len(ladder):
            raise ServiceError(f"already at the top of the escalation ladder ({ladder[-1].role})")
        step = ladder[level]
        ticket.escalation_level = level + 1
        ticket.escalation_role = step.role
        ticket.escalation_reason = reason.strip()
        log = Log(ticket, actor, channel, now)
        log.add(
            events.escalation, level=level + 1, role=step.role, reason=reason.strip(), after=after
        )
        touch(ticket, now, "escalation_level", "escalation_role", "escalation_reason")
        log.flush()
        escalated = TicketEscalated(ticket, level + 1, step, reason.strip(), now)
        announce(escalated)
        ticket.escalation_told = escalated.told
    return ticket
