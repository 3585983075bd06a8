"""Typed domain events the ticket services announce, and the subscriptions of the apps above.

The ticket layer never imports the apps that react to it (timers, paging, escalation
climbs, customer mail, on-call, status, reports). A service *announces* what happened; an
app above subscribes when it loads (``AppConfig.ready``)::

    from sladesk.tickets.announce import ClocksChanged, IN_TRANSACTION, subscribe

    subscribe(ClocksChanged, sync_timers_of, phase=IN_TRANSACTION)

Two phases:

``IN_TRANSACTION``
    The handler runs synchronously inside the service's transaction, in subscription order.
    Use it when the reaction must commit atomically with the change (timer rows, outbox
    rows, pages): an exception rolls the whole change back, so nothing is lost or doubled.
``ON_COMMIT``
    The handler runs after the transaction commits (``transaction.on_commit``); it never
    runs for a rolled-back change. Use it for work that must not delay or fail the change.

Events are frozen values that carry model instances already loaded by the service (no
handler needs to read them again) and the instant the service acted at. The event log
rows (`TicketEvent`) are a separate thing: `sladesk.tickets.events` builds those.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from django.db import transaction

if TYPE_CHECKING:
    from .models import Message, SlaClock, Ticket

__all__ = [
    "IN_TRANSACTION",
    "ON_COMMIT",
    "AgentReplied",
    "ClocksChanged",
    "DomainEvent",
    "PriorityChanged",
    "TicketEscalated",
    "TicketMerged",
    "TicketOpened",
    "TicketReopened",
    "TicketSolved",
    "TicketSplit",
    "announce",
    "subscribe",
    "subscribers",
    "unsubscribe",
]

Phase = Literal["in_transaction", "on_commit"]
IN_TRANSACTION: Final[Phase] = "in_transaction"
ON_COMMIT: Final[Phase] = "on_commit"


@dataclass(frozen=True)
class DomainEvent:
    """Base of every announced event (subclasses add their fields)."""


# ----------------------------------------------------------------------------- events
# Every event is announced inside the service's transaction, after the rows it names are
# saved. The notes say who reacts today (each app subscribes in its AppConfig.ready()).


@dataclass(frozen=True)
class ClocksChanged(DomainEvent):
    """SLA clocks were saved in a new state: started, paused, resumed, re-targeted, met,
    cancelled or breached (`sladesk.tickets.clocks`). ``clocks`` are the saved rows, of
    one ticket or of many (a batch); ``new``: they were inserted in this transaction, so
    nothing can refer to them yet; ``at``: the instant the service acted at; ``tickets``:
    the service's in-memory tickets of those clocks (they may hold changes not saved yet,
    e.g. the team an assignment sets; a reaction reads the others from the database).
    Reactions: the timers follow them (`sladesk.notify.timers`), the attainment rollup
    (`sladesk.reports.rollup`)."""

    clocks: Sequence[SlaClock]
    new: bool = False
    at: datetime | None = None
    tickets: Sequence[Ticket] = ()


@dataclass(frozen=True)
class TicketOpened(DomainEvent):
    """A ticket was opened (`open_ticket`, or split off an older one) with the clocks it
    started. It counts as opened at ``ticket.created_at`` (for a split ticket: its
    earliest message). ``pages``: the policy's reasons to page on-call at once (P1,
    out-of-hours request; `sladesk.sla.Policy.pages_on_create`), empty when none.
    Reactions: the page (`sladesk.notify.pages`), the climb of an escalation ladder whose
    first rung has ``after:`` (`sladesk.notify.escalations`)."""

    ticket: Ticket
    clocks: Sequence[SlaClock]
    pages: Sequence[str] = ()


@dataclass(frozen=True)
class TicketEscalated(DomainEvent):
    """The ticket climbed to ``level`` (1 = the ladder's first rung) of its policy's
    escalation ladder at ``at``; ``rung`` is that ladder step (`sladesk.sla`
    ``EscalationLevel``: ``level``, ``role``, ``contact``, ``after``).

    ``told`` is the one mutable part, filled by the in-transaction reactions: who was told
    (`sladesk.notify.recipients.Recipient` values; empty when nobody is configured). The
    service hands it back as ``ticket.escalation_told``. Reactions: the rung's mail and
    the climb to the next rung (`sladesk.notify.escalations`)."""

    ticket: Ticket
    level: int
    rung: Any
    reason: str
    at: datetime
    told: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class TicketReopened(DomainEvent):
    """A solved ticket was reopened at ``at`` (by an agent or a customer's reply);
    ``solved_at`` is when it had been solved. Reaction: the escalation climb resumes with
    the wait it had left (`sladesk.notify.escalations`)."""

    ticket: Ticket
    solved_at: datetime | None
    at: datetime


@dataclass(frozen=True)
class AgentReplied(DomainEvent):
    """A public message by staff (a reply, or the notice of a merge) was added to
    ``message.ticket``. Reaction: it is mailed to whoever wrote the ticket by e-mail
    (`sladesk.intake.outbound`), in the same transaction."""

    message: Message


@dataclass(frozen=True)
class PriorityChanged(DomainEvent):
    """``ticket``'s priority went from ``old`` to ``new`` at ``at`` for ``reason`` (by the
    desk, or by a policy rule re-applied to changed fields); ``required``: the policy
    promises the customer this notice (``priority_change_notifies_customer``, Particle's
    "with notice"). Reactions: the customer is told by mail (`sladesk.intake.outbound`);
    on-call is paged when ``new`` pages on creation and ``old`` did not
    (`sladesk.notify.reactions.page_raised_priority`)."""

    ticket: Ticket
    old: str
    new: str
    reason: str
    at: datetime
    required: bool


@dataclass(frozen=True)
class TicketMerged(DomainEvent):
    """``source`` was merged into ``target`` (its messages moved, ``source`` closed).
    Reaction: ``source``'s mail threads belong to ``target`` (`sladesk.intake.outbound`)."""

    source: Ticket
    target: Ticket


@dataclass(frozen=True)
class TicketSplit(DomainEvent):
    """The messages ``message_ids`` of ``original`` became the new ticket ``new``.
    Reaction: their mail threads move with them (`sladesk.intake.outbound`)."""

    original: Ticket
    new: Ticket
    message_ids: Sequence[int]


@dataclass(frozen=True)
class TicketSolved(DomainEvent):
    """A ticket became solved (`services.change_status`, any path: desk, API, macro, bulk).

    ``ticket`` is the saved, locked row (status solved, ``solved_at`` = ``at``, assignee
    and team as they were when solved); ``actor`` who solved it (a User, or None).
    """

    ticket: Any
    actor: Any
    at: datetime


E = TypeVar("E", bound=DomainEvent)
Handler = Callable[[Any], None]


@dataclass
class _Registry:
    handlers: dict[tuple[type[DomainEvent], Phase], list[Handler]] = field(
        default_factory=lambda: defaultdict(list)
    )


_registry = _Registry()


def subscribe(event: type[E], handler: Callable[[E], None], *, phase: Phase) -> None:
    """Call ``handler(event)`` whenever an ``event`` (or a subclass) is announced.

    Subscribing the same handler twice for the same event and phase is a no-op, so an
    app's ``ready()`` may run more than once (tests) without doubling reactions.
    """
    handlers = _registry.handlers[(event, phase)]
    if handler not in handlers:
        handlers.append(handler)


def unsubscribe(event: type[E], handler: Callable[[E], None], *, phase: Phase) -> None:
    """Undo `subscribe` (a no-op when ``handler`` is not subscribed): for tests that listen
    for a while."""
    handlers = _registry.handlers[(event, phase)]
    if handler in handlers:
        handlers.remove(handler)


def subscribers(event: type[DomainEvent], phase: Phase) -> list[Handler]:
    """The handlers an ``event`` of exactly this type reaches in ``phase`` (own class and
    base classes, most specific first)."""
    found: list[Handler] = []
    for cls in event.__mro__:
        if isinstance(cls, type) and issubclass(cls, DomainEvent):
            found.extend(_registry.handlers.get((cls, phase), ()))
    return found


def announce(event: DomainEvent) -> None:
    """Run ``event``'s in-transaction handlers now and queue its on-commit handlers.

    Called by ticket services inside their ``transaction.atomic()`` block. Outside a
    transaction (autocommit) the on-commit handlers run at once, as Django's
    ``on_commit`` does.
    """
    for handler in subscribers(type(event), IN_TRANSACTION):
        handler(event)
    for handler in subscribers(type(event), ON_COMMIT):
        transaction.on_commit(_bind(handler, event))


def _bind(handler: Handler, event: DomainEvent) -> Callable[[], None]:
    def run() -> None:
        handler(event)

    return run
