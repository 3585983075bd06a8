"""Telling an escalation ladder's rung that a ticket has been escalated to it.

An escalation (`sladesk.tickets.services.escalate`: a customer from the portal, an agent, or
a policy action at a clock's moment) is only half done while the person it names does not
know. The rung is reached by e-mail: its ``contact:`` address when the policy gives one,
else the organization's account-team members whose role is the rung's role (Houseware:
the *Customer Happiness Manager*, then the *Head of Customer Experience*, then the *Chief
Executive Officer*). Rows go into the outbox in the caller's transaction, keyed
``escalation:<ticket>:<level>:<channel>:<destination>``, so reaching a level twice (a retried
transaction, a re-fired timer) mails nobody twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sladesk.tickets.models import Ticket

from .outbox import enqueue, ticket_rows
from .recipients import Recipient, by_role

__all__ = ["rung_recipients", "tell_rung"]


def rung_recipients(ticket: Ticket, rung: Any) -> list[Recipient]:
    """Who a rung (`sladesk.sla` ladder step: ``level``, ``role``, ``contact``) reaches."""
    if rung.contact and "@" in rung.contact:
        return [Recipient("email", f"email:{rung.contact}", f"{rung.role} {rung.contact}")]
    return by_role(ticket.organization_id, rung.role)


def tell_rung(ticket: Ticket, rung: Any, *, reason: str, at: datetime) -> list[Recipient]:
    """Queue the e-mail telling ``rung`` that ``ticket`` reached it, with ``reason``; returns
    who it goes to (empty: nobody configured for the role, which the caller logs)."""
    to = rung_recipients(ticket, rung)
    summary = f"{ticket.priority} ticket #{ticket.pk} escalated to the {rung.role} (level {rung.level})"
    rows = ticket_rows(
        ticket.pk,
        to,
        base=f"escalation:{ticket.pk}:{rung.level}",
        purpose="escalation",
        summary=summary,
        body=f"{ticket.subject}\n{reason}",
        severity="error",
        extra={"policy": ticket.policy_name, "escalation_level": rung.level, "role": rung.role},
        at=at,
    )
    enqueue(rows)
    return to
