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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeVar

from django.db import transaction

__all__ = [
    "IN_TRANSACTION",
    "ON_COMMIT",
    "ClocksChanged",
    "DomainEvent",
    "announce",
    "subscribe",
    "subscribers",
]

Phase = Literal["in_transaction", "on_commit"]
IN_TRANSACTION: Final[Phase] = "in_transaction"
ON_COMMIT: Final[Phase] = "on_commit"


@dataclass(frozen=True)
class DomainEvent:
    """Base of every announced event (subclasses add their fields)."""


@dataclass(frozen=True)
class ClocksChanged(DomainEvent):
    """SLA clock rows were created or changed and saved (started, paused, met, breached...).

    ``clocks`` are the saved `SlaClock` rows (ticket ids set); ``at`` the instant acted at;
    ``tickets`` the service's in-memory tickets of those clocks (their field changes, e.g. a
    new team, may be saved later in the same transaction). Announced by the ticket services
    and by the breach timers (`sladesk.notify.timers`).
    """

    clocks: tuple[Any, ...]
    at: Any = None
    tickets: tuple[Any, ...] = ()


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
