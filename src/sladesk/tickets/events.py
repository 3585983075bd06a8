"""The ticket log's entries (`TicketEvent`): one named constructor per kind.

Every writer of the log builds its rows here — the ticket services, the timer worker, the
notify layer (``notify``, ``page``, ``action``) and the e-mail channel — so a kind's data
keys are written in one place. The constructors return *unsaved* rows; the writer inserts
them in its transaction, several at once where it can (`write`). The log is append-only.

Every constructor takes the ticket (a `Ticket` or its id), the instant ``at`` (aware), and
``actor``: who acted — a ``User``, a `Contact`, a label (``"policy"``, ``"acknowledge
link"``), None for the system, or an `Actor` already resolved from one of those (a service
resolves its actor once per call). The ``channel`` is where the action came from (web,
email, api, system); facts the system records (clock breaches, notifications, pages,
policy actions) are ``system``.

These are rows of the log, not the typed domain events the services announce to the apps
above: those are `sladesk.tickets.announce`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sladesk.accounts.models import Contact
from sladesk.core.inserts import insert_new

from .clocks import ClockChange
from .models import Channel, EventKind, Ticket, TicketEvent

__all__ = [
    "Actor",
    "action",
    "assigned",
    "attachment",
    "clock",
    "created",
    "customer_notice",
    "escalation",
    "fields",
    "follow_up",
    "link",
    "merge",
    "message",
    "note",
    "notify",
    "page",
    "policy",
    "priority",
    "rule",
    "split",
    "status",
    "write",
]

_SYSTEM = str(Channel.SYSTEM)


@dataclass(frozen=True)
class Actor:
    """Who acted, as the log records it: the user and/or contact (None when neither) and a
    readable label that survives their deletion (username, contact e-mail, ``system``)."""

    user: Any
    contact: Contact | None
    label: str

    @classmethod
    def of(cls, actor: Any) -> Actor:
        """``actor`` (User, Contact, label, None or an `Actor`) resolved. A user's contact
        is looked up (a contact's login writes for its organization)."""
        if isinstance(actor, Actor):
            return actor
        if actor is None:
            return cls(None, None, "system")
        if isinstance(actor, str):
            return cls(None, None, actor)
        if isinstance(actor, Contact):
            return cls(None, actor, actor.email)
        return cls(actor, getattr(actor, "contact", None), actor.get_username())


def _event(
    ticket: Ticket | int, kind: str, at: datetime, actor: Any, channel: str, data: dict[str, Any]
) -> TicketEvent:
    who = Actor.of(actor)
    where = {"ticket_id": ticket} if isinstance(ticket, int) else {"ticket": ticket}
    return TicketEvent(
        **where,
        at=at,
        actor_user=who.user,
        actor_contact=who.contact,
        actor_label=who.label,
        channel=channel,
        kind=kind,
        data=data,
    )


def write(events: Sequence[TicketEvent]) -> None:
    """Insert ``events`` (one statement; nothing when empty)."""
    if events:
        insert_new(list(events))


# -------------------------------------------------------------------- ticket and messages
def created(
    ticket: Ticket | int, at: datetime, *, actor: Any, channel: str, **data: Any
) -> TicketEvent:
    """The ticket was opened: ``priority``, ``requested_priority``, ``set_by``, ``policy``,
    ``policy_digest``, ``plan``, ``region``, ``tags``; opened by `open_ticket` also
    ``message_id``, ``follow_up_of``, ``pages``; split off also ``split_from``,
    ``started_at``."""
    return _event(ticket, EventKind.CREATED, at, actor, channel, data)


def message(
    ticket: Ticket | int,
    at: datetime,
    *,
    actor: Any,
    channel: str,
    message_id: int,
    from_customer: bool,
) -> TicketEvent:
    """A public message (a reply) was added."""
    data = {"message_id": message_id, "public": True, "from_customer": from_customer}
    return _event(ticket, EventKind.MESSAGE, at, actor, channel, data)


def note(
    ticket: Ticket | int, at: datetime, *, actor: Any, channel: str, message_id: int
) -> TicketEvent:
    """An internal note was added."""
    return _event(ticket, EventKind.NOTE, at, actor, channel, {"message_id": message_id})


def attachment(
    ticket: Ticket | int,
    at: datetime,
    *,
    actor: Any,
    channel: str,
    message_id: int,
    files: list[dict[str, Any]],
) -> TicketEvent:
    """Files were stored on a message (``files``: ``id``, ``filename``, ``size`` each)."""
    data = {"message_id": message_id, "files": files}
    return _event(ticket, EventKind.ATTACHMENT, at, actor, channel, data)


def follow_up(
    ticket: Ticket | int, at: datetime, *, actor: Any, channel: str, follow_up: int
) -> TicketEvent:
    """A customer's reply opened the follow-up ticket ``follow_up`` of this one."""
    return _event(ticket, EventKind.FOLLOW_UP, at, actor, channel, {"follow_up": follow_up})


# -------------------------------------------------------------------- fields and life cycle
def status(
    ticket: Ticket | int,
    at: datetime,
    *,
    actor: Any,
    channel: str,
    from_status: str,
    to_status: str,
    reason: str,
) -> TicketEvent:
    """The status moved ``from_status`` → ``to_status``."""
    data = {"from": from_status, "to": to_status, "reason": reason}
    return _event(ticket, EventKind.STATUS, at, actor, channel, data)


def priority(
    ticket: Ticket | int,
    at: datetime,
    *,
    actor: Any,
    channel: str,
    from_priority: str,
    to_priority: str,
    reason: str,
) -> TicketEvent:
    """The priority changed ``from_priority`` → ``to_priority``, for ``reason``."""
    data = {"from": from_priority, "to": to_priority, "reason": reason}
    return _event(ticket, EventKind.PRIORITY, at, actor, channel, data)


def assigned(
    ticket: Ticket | int,
    at: datetime,
    *,
    actor: Any,
    channel: str,
    team: dict[str, Any] | None = None,
    assignee: dict[str, Any] | None = None,
) -> TicketEvent:
    """The team and/or the assignee changed (each ``{"from": id, "to": id}``)."""
    data = {k: v for k, v in (("team", team), ("assignee", assignee)) if v is not None}
    return _event(ticket, EventKind.ASSIGNED, at, actor, channel, data)


def fields(
    ticket: Ticket | int, at: datetime, *, actor: Any, channel: str, **changed: Any
) -> TicketEvent:
    """Fields changed: one ``{"from", "to"}`` per field (``subject``, ``tags``, a custom
    field), plus ``reason`` when one was given."""
    return _event(ticket, EventKind.FIELDS, at, actor, channel, changed)


def rule(
    ticket: Ticket | int,
    at: datetime,
    *,
    actor: Any,
    channel: str,
    priority: str,
    reasons: list[str],
    **extra: Any,
) -> TicketEvent:
    """The policy's rules set ``priority`` for ``reasons`` (``tags``: tags they added)."""
    data = {"priority": priority, "reasons": reasons, **extra}
    return _event(ticket, EventKind.RULE, at, actor, channel, data)


def policy(
    ticket: Ticket | int,
    at: datetime,
    *,
    actor: Any,
    channel: str,
    policy: str,
    from_digest: str,
    to_digest: str,
    priority: str,
    reason: str,
) -> TicketEvent:
    """The ticket was re-targeted to another version of its policy."""
    data = {
        "policy": policy,
        "from_digest": from_digest,
        "to_digest": to_digest,
        "priority": priority,
        "reason": reason,
    }
    return _event(ticket, EventKind.POLICY, at, actor, channel, data)


def customer_notice(
    ticket: Ticket | int,
    at: datetime,
    *,
    actor: Any,
    channel: str,
    template: str,
    to_contact: int | None,
    **data: Any,
) -> TicketEvent:
    """The customer is owed (or was sent) the notice ``template`` (``priority_changed``,
    ``merged``) with its data."""
    return _event(
        ticket,
        EventKind.CUSTOMER_NOTICE,
        at,
        actor,
        channel,
        {"template": template, "to_contact": to_contact, **data},
    )


def clock(
    ticket: Ticket | int,
    change: ClockChange,
    at: datetime,
    *,
    actor: Any = None,
    channel: str = _SYSTEM,
) -> TicketEvent:
    """A clock changed state (`sladesk.tickets.clocks.ClockChange.event_data`). A breach is
    logged at its due instant (``breached_at``), whoever noticed it and whenever."""
    return _event(ticket, EventKind.CLOCK, at, actor, channel, change.event_data())


def escalation(
    ticket: Ticket | int,
    at: datetime,
    *,
    actor: Any,
    channel: str,
    level: int,
    role: str,
    reason: str,
    after: str | None = None,
) -> TicketEvent:
    """The ticket climbed to ``level`` of its escalation ladder (``after``: by time)."""
    data: dict[str, Any] = {"level": level, "role": role, "reason": reason}
    if after:
        data["after"] = after
    return _event(ticket, EventKind.ESCALATION, at, actor, channel, data)


# -------------------------------------------------------------------- relations
def merge(
    ticket: Ticket | int, at: datetime, *, actor: Any, channel: str, **data: Any
) -> TicketEvent:
    """A merge: on the merged ticket ``into``, ``messages``, ``note_id``, ``notified``; on
    the one merged into ``from``, ``messages``, ``note_id``."""
    return _event(ticket, EventKind.MERGE, at, actor, channel, data)


def split(
    ticket: Ticket | int, at: datetime, *, actor: Any, channel: str, **data: Any
) -> TicketEvent:
    """A split: on the new ticket ``from``, ``messages``; on the original ``to``,
    ``messages``, ``note_id``."""
    return _event(ticket, EventKind.SPLIT, at, actor, channel, data)


def link(
    ticket: Ticket | int, at: datetime, *, actor: Any, channel: str, action: str, other: int
) -> TicketEvent:
    """A ``related`` link to ticket ``other`` was ``linked`` or ``unlinked``."""
    return _event(ticket, EventKind.LINK, at, actor, channel, {"action": action, "ticket": other})


# -------------------------------------------------------------------- reactions (system)
def notify(
    ticket: Ticket | int,
    at: datetime,
    *,
    actor: Any = None,
    event_channel: str = _SYSTEM,
    **data: Any,
) -> TicketEvent:
    """A notification was queued, delivered or given up, or inbound mail was ignored
    (``action``: its purpose, ``outcome``, ``to``, and the delivery's details such as
    ``channel``, ``outbox``). ``event_channel`` is the entry's own channel: ``system``, or
    ``email`` for what the e-mail channel noted (``channel`` in the data is where a
    notification goes)."""
    return _event(ticket, EventKind.NOTIFY, at, actor, event_channel, data)


def page(
    ticket: Ticket | int, at: datetime, *, actor: Any = None, action: str, page: int, **data: Any
) -> TicketEvent:
    """On-call paging: the page ``page`` was ``triggered``, ``repeated``, ``acknowledged``
    or ``resolved``."""
    return _event(
        ticket, EventKind.PAGE, at, actor, _SYSTEM, {"action": action, "page": page, **data}
    )


def action(ticket: Ticket | int, at: datetime, *, actor: Any, **data: Any) -> TicketEvent:
    """A policy action ran at a clock's moment (``key``, ``action``, ``outcome``, ...)."""
    return _event(ticket, EventKind.ACTION, at, actor, _SYSTEM, data)
