"""Ticket-log entries written by the notify layer (``notify`` and ``page`` events).

`TicketEvent` is append-only; these are facts about notifications and pages, added in
the transaction that queued, delivered or acknowledged them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sladesk.core.bulk import insert_rows
from sladesk.tickets.models import Channel, TicketEvent

__all__ = ["event", "write_events"]


def event(ticket_id: int, kind: str, at: datetime, *, actor: Any = None, **data: Any) -> TicketEvent:
    """An unsaved event of ``kind`` by ``actor`` (a User, a label, or None = system)."""
    user = None if actor is None or isinstance(actor, str) else actor
    label = "system" if actor is None else actor if isinstance(actor, str) else actor.get_username()
    return TicketEvent(
        ticket_id=ticket_id,
        at=at,
        actor_user=user,
        actor_label=label,
        channel=Channel.SYSTEM,
        kind=kind,
        data=data,
    )


def write_events(events: Sequence[TicketEvent]) -> None:
    if events:
        insert_rows(events)
