"""Shared machinery of the ticket services: errors, the event log, locking, clock saving.

See `sladesk.tickets.services` for the conventions every service follows.
"""

from __future__ import annotations

import copy
import html as html_lib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import router, transaction
from django.db.models.signals import post_migrate

from sladesk.accounts.models import Contact
from sladesk.accounts.roles import Role, role_of
from sladesk.core.html import sanitize_html
from sladesk.core.inserts import insert_new
from sladesk.core.policies import get_policy
from sladesk.notify.timers import sync_clock_timers

from .. import clocks
from ..clocks import ClockChange
from ..models import (
    Channel,
    ClockState,
    EventKind,
    PolicyVersion,
    SlaClock,
    Status,
    Tag,
    Ticket,
    TicketEvent,
)

__all__ = ["TRANSITIONS", "InvalidTransition", "ServiceError"]


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
class _Log:
    """Collects the events of one service call; written with one bulk insert at the end."""

    def __init__(self, ticket: Ticket, actor: Any, channel: str, at: datetime) -> None:
        self.ticket, self.at, self.channel = ticket, at, channel
        self.user, self.contact, self.label = _actor_fields(actor)
        self.events: list[TicketEvent] = []

    def add(self, kind: str, **data: Any) -> None:
        self.events.append(
            TicketEvent(
                ticket=self.ticket,
                at=self.at,
                actor_user=self.user,
                actor_contact=self.contact,
                actor_label=self.label,
                channel=self.channel,
                kind=kind,
                data=data,
            )
        )

    def clock(self, change: ClockChange | None) -> None:
        if change is not None:
            self.add(EventKind.CLOCK, **change.event_data())

    def flush(self) -> None:
        if self.events:
            insert_new(self.events)
            self.events = []


def _actor_fields(actor: Any) -> tuple[Any, Contact | None, str]:
    if actor is None:
        return None, None, "system"
    if isinstance(actor, str):
        return None, None, actor
    if isinstance(actor, Contact):
        return None, actor, actor.email
    return actor, getattr(actor, "contact", None), actor.get_username()


def _set_by(actor: Any) -> str:
    """``customer``, ``agent`` or ``system`` for `Policy.apply_rules`."""
    if actor is None or isinstance(actor, str):
        return "system"
    if isinstance(actor, Contact):
        return "customer"
    role = role_of(actor)
    if role in (Role.ADMIN, Role.AGENT):
        return "agent"
    return "customer"


def _customer_side(author: Any) -> Contact | None:
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


def _sanitize(body: str, html: str | None) -> str:
    """Sanitized HTML: the given HTML through the one sanitizer of mail, API and portal
    (`sladesk.core.html.sanitize_html`: no remote resources, ``cid:`` images kept), else
    the escaped text with line breaks."""
    if html:
        return sanitize_html(html)
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    return "".join("<p>" + html_lib.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)


def _lock(ticket: Ticket) -> Ticket:
    """The ticket re-read under a row lock (the caller's instance may be stale)."""
    locked = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("policy_version", "organization")
        .get(pk=ticket.pk)
    )
    return locked


def _clocks(ticket: Ticket) -> dict[str, SlaClock]:
    return {c.metric: c for c in SlaClock.objects.filter(ticket=ticket)}


def _save_clocks(changes: Iterable[ClockChange | None], log: _Log) -> None:
    """Save the changed clocks, log them, and move their timers (same transaction)."""
    saved = []
    for change in changes:
        if change is None:
            continue
        change.clock.save()
        saved.append(change.clock)
        log.clock(change)
    sync_clock_timers(saved)


def _refresh(ticket: Ticket, now: datetime, log: _Log) -> list[ClockChange]:
    changes = []
    for clock in SlaClock.objects.filter(ticket=ticket, state=ClockState.RUNNING, due_at__lte=now):
        change = clocks.breach_due(clock, now)
        if change is not None:
            # The breach happened at the due instant, whoever notices it and whenever.
            clock.save()
            log.events.append(
                TicketEvent(
                    ticket=ticket,
                    at=clock.breached_at or now,
                    actor_label="system",
                    channel=Channel.SYSTEM,
                    kind=EventKind.CLOCK,
                    data=change.event_data(),
                )
            )
            changes.append(change)
    sync_clock_timers([c.clock for c in changes])
    return changes


def _touch(ticket: Ticket, now: datetime, *fields: str) -> None:
    ticket.updated_at = now
    ticket.save(update_fields=[*fields, "updated_at"])


def _set_status(ticket: Ticket, status: str, log: _Log, reason: str = "") -> None:
    if ticket.status == status:
        return
    log.add(EventKind.STATUS, **{"from": ticket.status, "to": status, "reason": reason})
    ticket.status = status


#: (database alias, digest) -> a committed `PolicyVersion` row. Rows are never changed or
#: deleted (a new text is a new row), so a committed row stays right for the process's life;
#: only a flush of the whole database (tests) drops them, and that clears this (post_migrate).
_versions: dict[tuple[str, str], PolicyVersion] = {}


def _forget_versions(**kwargs: Any) -> None:
    _versions.clear()


post_migrate.connect(_forget_versions, dispatch_uid="sladesk.tickets.services._versions")


def _snapshot(policy_name: str) -> PolicyVersion:
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


def _add_tags(ticket: Ticket, names: Iterable[str]) -> list[str]:
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
