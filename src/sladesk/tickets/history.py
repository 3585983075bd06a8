"""What a customer may read of a ticket's history: why it has its priority.

The event log (`TicketEvent`) is the desk's; these reads pick from it what the portal
shows a customer, in their words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .models import EventKind, Ticket, TicketEvent

__all__ = ["PriorityNote", "priority_history"]


@dataclass(frozen=True)
class PriorityNote:
    """Why a ticket has its priority, as its customer may read it: set by the policy's rules
    at submit (``by_rule``) or changed by the desk with its reason (Particle's "with notice")."""

    at: datetime
    old: str | None
    new: str
    reason: str
    by_rule: bool


def priority_history(ticket: Ticket) -> list[PriorityNote]:
    """The ticket's priority notes, oldest first (one query): rules that changed what the
    customer asked for at submit, and every priority change with its reason."""
    notes = []
    events = TicketEvent.objects.filter(
        ticket=ticket, kind__in=(EventKind.RULE, EventKind.PRIORITY, EventKind.CREATED)
    ).order_by("at", "pk")
    asked = None
    for e in events:
        d = e.data or {}
        if e.kind == EventKind.CREATED:
            asked = d.get("requested_priority")
        elif e.kind == EventKind.RULE and d.get("priority") != asked:
            reasons = "; ".join(str(r) for r in d.get("reasons") or [])
            notes.append(PriorityNote(e.at, asked, str(d.get("priority")), reasons, True))
        elif e.kind == EventKind.PRIORITY:
            notes.append(
                PriorityNote(e.at, d.get("from"), str(d.get("to")), str(d.get("reason", "")), False)
            )
    return notes
