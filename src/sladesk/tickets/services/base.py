"""Shared machinery of the ticket services: errors, the event log, locking, clock saving.

See `sladesk.tickets.services` for the conventions every service follows.
"""

from __future__ import annotations

import copy
import html as html_lib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import router, transaction
from django.db.models.signals import post_migrate

from sladesk.accounts.models import Contact
from sladesk.accounts.roles import Role, role_of
from sladesk.core.bulk import update_rows
from sladesk.core.html import sanitize_html
from sladesk.core.policies import get_policy

from .. import clocks, events
from ..announce import ClocksChanged, announce
from ..clocks import ClockChange
from ..models import (
    ClockState,
    PolicyVersion,
    SlaClock,
    Status,
    Tag,
    Ticket,
    TicketEvent,
)

__all__ = [
    "TRANSITIONS",
    "InvalidTransition",
    "Log",
    "ServiceError",
    "add_tag_names",
    "breach_due_clocks",
    "clocks_by_metric",
    "customer_side",
    "lock",
    "policy_snapshot",
    "refresh",
    "sanitize",
    "save_clocks",
    "set_by_of",
    "set_status",
    "touch",
]


class ServiceError(ValueError):
    """A request the ticket life cycle does not allow; the message says why."""


class InvalidTransition(ServiceError):
    """A status change that the life cycle does not allow (e.g. closed → pending)."""


#: status -> statuses reachable by `change_status`.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.SOLVED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.SOLVED}),
    Status.SOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


# ============================================================================ helpers
class Log:
    """Collects the log entries of one service call (`sladesk.tickets.events`), all by one
    actor on one channel at one instant; written with one insert at the end (`flush`)."""

    def __init__(self, ticket: Ticket, actor: Any, channel: str, at: datetime) -> None:
        self.ticket, self.at, self.channel = ticket, at, channel
        self.actor = events.Actor.of(actor)
        self.events: list[TicketEvent] = []

    @property
    def user(self) -> Any:
        """The acting user (None for a contact, a label or the system)."""
        return self.actor.user

    def add(self, entry: Callable[..., TicketEvent], **data: Any) -> None:
        """Add the entry a `sladesk.tickets.events` constructor builds from ``data``."""
        self.events.append(
            entry(self.ticket, self.at, actor=self.actor, channel=self.channel, **data)
        )

    def clock(self, change: ClockChange | None) -> None:
        if change is not None:
            self.events.append(
                events.clock(self.ticket, change, self.at, actor=self.actor, channel=self.channel)
            )

    def flush(self) -> None:
        events.write(self.events)
        self.events = []


def set_by_of(actor: Any) -> str:
    """``customer``, ``agent`` or ``system`` for `Policy.apply_rules`."""
    if actor is None or isinstance(actor, str):
        return "system"
    if isinstance(actor, Contact):
        return "customer"
    role = role_of(actor)
    if role in (Role.ADMIN, Role.AGENT):
        return "agent"
    return "customer"


def customer_side(author: Any) -> Contact | None:
    """The Contact when ``author`` writes for the customer, else None (staff)."""
    if isinstance(author, Contact):
        return author
    if role_of(author) == Role.CONTACT:
        return author.contact  # type: ignore[no-any-return]
    return None


def check_subject(subject: str) -> None:
    """A subject is one line: CR or LF in it would break every mail about the ticket
    (a header cannot hold them), so it is refused (`ServiceError`, 400 in the API)."""
    if "\r" in subject or "\n" in subject:
        raise ServiceError("the subject must be one line: it contains a CR or LF character")


def sanitize(body: str, html: str | None) -> str:
    """Sanitized HTML: the given HTML through the one sanitizer of mail, API and portal
    (`sladesk.core.html.sanitize_html`: no remote resources, ``cid:`` images kept), else
    the escaped text with line breaks."""
    if html:
        return sanitize_html(html)
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    return "".join("<p>" + html_lib.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def lock(ticket: Ticket) -> Ticket:
    """The ticket re-read under a row lock (the caller's instance may be stale)."""
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("policy_version", "organization")
        .get(pk=ticket.pk)
    )
    return locked


def clocks_by_metric(ticket: Ticket) -> dict[str, SlaClock]:
    return {c.metric: c for c in SlaClock.objects.filter(ticket=ticket)}


def save_clocks(changes: Iterable[ClockChange | None], log: Log) -> None:
    """Save the changed clocks, log them, and move their timers (same transaction)."""
    saved = []
    for change in changes:
        if change is None:
            continue
        change.clock.save()
        saved.append(change.clock)
        log.clock(change)
    if saved:
        announce(ClocksChanged(saved, at=log.at, tickets=(log.ticket,)))


#: The stored fields of a clock (what a breach may change).
_CLOCK_ATTNAMES = [f.attname for f in SlaClock._meta.concrete_fields if not f.primary_key]


def breach_due_clocks(
    due: Sequence[SlaClock], now: datetime, *, log_into: list[TicketEvent] | None = None
) -> list[ClockChange]:
    """Record the breach of each clock of ``due`` that is running with its due instant at or
    before ``now``; the others are left alone. The one place a breach is recorded: the
    services refreshing a ticket before they act (`refresh`) and the timer worker firing a
    batch of one or many breach timers (`sladesk.notify.timers`) both come here.

    Each breach is decided by `sladesk.tickets.clocks.breach_due` (breached at the due
    instant, not when noticed; the clock's generation moves on). The clocks are updated
    in memory (the caller's instances) and in the database (only the fields a breach
    changed, few statements for the batch: `sladesk.core.bulk.update_rows`); each breach is
    a ``clock`` entry by the system at the due instant, inserted here or, with
    ``log_into``, appended to that list for the caller's own insert; `ClocksChanged` is
    announced for the breached clocks (their timers follow in this transaction). Call it
    inside a transaction with the clocks' tickets locked. Returns the changes, in order.
    """
    changes: list[ClockChange] = []
    changed: set[str] = set()
    for row in due:
        before = [getattr(row, a) for a in _CLOCK_ATTNAMES]
        change = clocks.breach_due(row, now)
        if change is None:
            continue
        changes.append(change)
        changed.update(
            a for a, old in zip(_CLOCK_ATTNAMES, before, strict=True) if getattr(row, a) != old
        )
    if not changes:
        return []
    breached = [c.clock for c in changes]
    update_rows(SlaClock, breached, sorted(changed))
    entries = [events.clock(c.clock.ticket_id, c, c.clock.breached_at or now) for c in changes]
    if log_into is None:
        events.write(entries)
    else:
        log_into.extend(entries)
    announce(ClocksChanged(breached, at=now))
    return changes


def refresh(ticket: Ticket, now: datetime, log: Log) -> list[ClockChange]:
    """Record the breaches of ``ticket``'s running clocks due at or before ``now``
    (`breach_due_clocks`), their entries joining ``log``'s insert."""
    due = SlaClock.objects.filter(ticket=ticket, state=ClockState.RUNNING, due_at__lte=now)
    return breach_due_clocks(list(due), now, log_into=log.events)


def touch(ticket: Ticket, now: datetime, *fields: str) -> None:
    ticket.updated_at = now
    ticket.save(update_fields=[*fields, "updated_at"])


def set_status(ticket: Ticket, status: str, log: Log, reason: str = "") -> None:
    if ticket.status == status:
        return
    log.add(events.status, from_status=ticket.status, to_status=status, reason=reason)
    ticket.status = status


#: (database alias, digest) -> a committed `PolicyVersion` row. Rows are never changed or
#: deleted (a new text is a new row), so a committed row stays right for the process's life;
#: only a flush of the whole database (tests) drops them, and that clears this (post_migrate).
_versions: dict[tuple[str, str], PolicyVersion] = {}


def _forget_versions(**kwargs: Any) -> None:
    _versions.clear()


post_migrate.connect(_forget_versions, dispatch_uid="sladesk.tickets.services._versions")


def policy_snapshot(policy_name: str) -> PolicyVersion:
    """The `PolicyVersion` row of the current file ``policy_name`` (created on first use).

    Read once per process and digest: after the first ticket opened under a policy text,
    opening another costs no query for its snapshot. A row joins the cache only once it is
    committed (``on_commit``), so a rolled-back transaction never leaves an id behind.
    Each call returns its own instance (a copy of the cached one).
    """
    pf = get_policy(policy_name)
    alias = router.db_for_write(PolicyVersion)
    key = (alias, pf.policy.digest)
    cached = _versions.get(key)
    if cached is not None:
        return copy.copy(cached)
    version = PolicyVersion.objects.filter(digest=pf.policy.digest).first()
    if version is None:
        version, _ = PolicyVersion.objects.get_or_create(
            digest=pf.policy.digest,
            defaults={"name": pf.policy.name, "text": pf.text, "source": pf.path.name},
        )
    found = copy.copy(version)

    def remember() -> None:
        # Not when a test runs on-commit callbacks inside its own (rolled back) transaction.
        if not transaction.get_connection(alias).in_atomic_block:
            _versions[key] = found

    transaction.on_commit(remember, using=alias)
    return version


def add_tag_names(ticket: Ticket, names: Iterable[str]) -> list[str]:
    names = [n.strip() for n in names if n and n.strip()]
    if not names:
        return []
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in dict.fromkeys(names) if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    ticket.tags.add(*existing.values())
    return list(existing)


# ============================================================================ services
