"""The only writers of ticket state. Each service runs in one transaction and logs events.

Conventions shared by every function here:

- ``actor`` is who acts: a ``User`` (agent, admin, or a contact's login), a `Contact`, or
  None for the system. It is written to every `TicketEvent` the call produces.
- The current instant is `sladesk.core.clock.now()`, read once per call.
- An existing ticket is locked (``SELECT ... FOR UPDATE``; SQLite serialises writers with
  ``BEGIN IMMEDIATE``) and its clocks are refreshed first, so a breach that happened before
  this action is recorded at its real instant before the action changes anything.
- Every clock change is a ``clock`` event with ``{"metric", "from", "to", "due_at",
  "reason", "used_seconds", ...}`` (see `sladesk.tickets.clocks`).

Which clocks what moves (``next_update`` starts with the first public agent reply):

=====================  ===========================================================
first public agent     first_response met; next_update (re)starts
reply
later public agent     next_update restarts (the customer waits for the next one)
reply
customer reply         pending → open (clocks resume); on solved within
                       ``SLADESK_REOPEN_WINDOW`` → reopened; later, or on closed →
                       a follow-up ticket is opened and the message goes there
set_pending            clocks whose target ``pauses_when_pending`` pause
resume                 paused clocks resume, used time kept
assign (team/agent)    dispatch met; new → open
change_priority        open clocks re-targeted (same used time); a resolution
                       with ``met_by_downgrade_to`` is met by a downgrade that far
                       and restarts under the new priority's target
solve                  resolution met; other open clocks cancelled
reopen                 resolution counts again (used kept); next_update restarts
=====================  ===========================================================
"""

from __future__ import annotations

import html as html_lib
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import nh3
from django.conf import settings
from django.db import transaction

from sladesk.accounts.models import Contact, Organization, Team
from sladesk.accounts.roles import Role, role_of
from sladesk.core import clock as core_clock
from sladesk.core.policies import get_policy
from sladesk.notify.pages import page_oncall
from sladesk.notify.timers import sync_clock_timers

from . import clocks
from .clocks import ClockChange
from .models import (
    Channel,
    ClockState,
    EventKind,
    Message,
    Metric,
    PolicyVersion,
    SlaClock,
    Status,
    Tag,
    Ticket,
    TicketEvent,
)

__all__ = [
    "InvalidTransition",
    "ServiceError",
    "add_note",
    "assign",
    "change_priority",
    "change_status",
    "close",
    "open_ticket",
    "refresh_clocks",
    "reopen",
    "reply",
    "resume",
    "retarget_policy",
    "set_on_hold",
    "set_pending",
    "solve",
    "update_fields",
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
            TicketEvent.objects.bulk_create(self.events)
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


def _sanitize(body: str, html: str | None) -> str:
    """Sanitized HTML: the given HTML through nh3, else the escaped text with line breaks."""
    if html:
        return nh3.clean(html)
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    return "".join(
        "<p>" + html_lib.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs
    )


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


def _snapshot(policy_name: str) -> PolicyVersion:
    """The `PolicyVersion` row of the current file ``policy_name`` (created on first use)."""
    pf = get_policy(policy_name)
    version = PolicyVersion.objects.filter(digest=pf.policy.digest).first()
    if version is None:
        version, _ = PolicyVersion.objects.get_or_create(
            digest=pf.policy.digest,
            defaults={"name": pf.policy.name, "text": pf.text, "source": pf.path.name},
        )
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
def open_ticket(
    *,
    organization: Organization,
    requester: Contact,
    subject: str,
    description: str,
    priority: str | None = None,
    channel: str = Channel.WEB,
    custom_fields: Mapping[str, Any] | None = None,
    actor: Any = None,
    set_by: str | None = None,
    tags: Sequence[str] = (),
    description_html: str | None = None,
    follow_up_of: Ticket | None = None,
    team: Team | None = None,
) -> Ticket:
    """Open a ticket under the organization's *current* policy file and start its clocks.

    The policy text is snapshotted (`PolicyVersion`); the plan and region come from the
    organization (blank = the policy's defaults). The priority is ``priority`` after the
    policy's rules (`Policy.apply_rules` with ``set_by``: ``customer`` by default for a
    contact actor, ``agent`` for staff — Houseware ignores a customer's choice; Particle
    caps unsupported Device OS at P2; Esper raises 500+ devices to Sev2). The description
    becomes the first public message, written by the requester. Clocks started: every
    target of the priority except ``next_update`` (which starts with the first public
    agent reply) and continuous ones (no timer). ``team`` is where the ticket is routed
    (an inbound address's team); it is not an assignment, so dispatch stays open. Raises `UnknownPriorityError` for a
    priority the policy does not know and `ServiceError` when the requester belongs to
    another organization.
    """
    if requester.organization_id != organization.pk:
        raise ServiceError("the requester is not a contact of this organization")
    now = core_clock.now()
    fields = dict(custom_fields or {})
    actor = requester if actor is None else actor
    set_by = set_by or _set_by(actor)
    with transaction.atomic():
        version = _snapshot(organization.policy_name)
        policy = version.policy
        plan = policy.resolve_plan(organization.plan or None) or ""
        region = policy.resolve_region(organization.region or None) or ""
        outcome = policy.apply_rules(priority, fields, set_by=set_by)
        ticket = Ticket.objects.create(
            subject=subject[:300],
            requester=requester,
            organization=organization,
            priority=outcome.priority,
            status=Status.NEW,
            channel=channel,
            custom_fields=fields,
            follow_up_of=follow_up_of,
            team=team,
            policy_version=version,
            policy_name=policy.name,
            plan=plan,
            region=region,
            created_at=now,
            updated_at=now,
        )
        log = _Log(ticket, actor, channel, now)
        pages = policy.pages_on_create(ticket.priority, now, plan or None, region or None)
        all_tags = _add_tags(ticket, [*tags, *outcome.tags])
        message = Message.objects.create(
            ticket=ticket,
            author_contact=requester,
            from_customer=True,
            public=True,
            body_text=description,
            body_html=_sanitize(description, description_html),
            channel=channel,
            created_at=now,
        )
        log.add(
            EventKind.CREATED,
            priority=ticket.priority,
            requested_priority=priority,
            set_by=set_by,
            policy=policy.name,
            policy_digest=policy.digest,
            plan=plan,
            region=region,
            tags=all_tags,
            message_id=message.pk,
            follow_up_of=follow_up_of.pk if follow_up_of else None,
            pages=pages,
        )
        if outcome.reasons:
            log.add(EventKind.RULE, priority=outcome.priority, reasons=outcome.reasons)
        changes = [
            clocks.new_clock(ticket, target, now)
            for metric, target in clocks.targets_of(ticket).items()
            if metric != Metric.NEXT_UPDATE and not target.continuous
        ]
        SlaClock.objects.bulk_create([c.clock for c in changes])
        for change in changes:
            log.clock(change)
        log.flush()
        sync_clock_timers([c.clock for c in changes])
        if pages:
            _page_on_create(ticket, [c.clock for c in changes], pages, now)
    return ticket


def _page_on_create(ticket: Ticket, started: list[SlaClock], reasons: list[str], now: datetime) -> None:
    """Page on-call for a new ticket (P1 / Urgent, out-of-hours request) in the same
    transaction; the page is about the first clock that will show someone has it."""
    order = (Metric.FIRST_RESPONSE, Metric.DISPATCH, Metric.RESOLUTION)
    about = next((c for m in order for c in started if c.metric == m), None)
    page_oncall(ticket, "; ".join(reasons), clock=about, now=now, actor="policy")


def refresh_clocks(ticket: Ticket, now: datetime | None = None) -> list[SlaClock]:
    """Mark breached every running clock whose due instant is at or before ``now``.

    ``breached_at`` (and the event's ``at``) is the due instant. Safe to run twice; the
    timer worker of a later issue calls it too. Returns the clocks that breached now.
    """
    now = now or core_clock.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        log = _Log(ticket, None, Channel.SYSTEM, now)
        changes = _refresh(ticket, now, log)
        log.flush()
    return [c.clock for c in changes]


def reply(
    ticket: Ticket,
    *,
    author: Any,
    body: str,
    public: bool = True,
    channel: str = Channel.WEB,
    html: str | None = None,
) -> Message:
    """Add a message from an agent or the customer and move the clocks (see module table).

    ``public=False`` is an internal note (`add_note`). A customer reply to a solved ticket
    reopens it when it comes within ``settings.SLADESK_REOPEN_WINDOW`` of ``solved_at``;
    later, or on a closed ticket, it opens a follow-up ticket (``follow_up_of``) and the
    returned message belongs to that new ticket.
    """
    if not public:
        return add_note(ticket, author=author, body=body, channel=channel, html=html)
    now = core_clock.now()
    customer = _customer_side(author)
    with transaction.atomic():
        ticket = _lock(ticket)
        if customer is not None and customer.organization_id != ticket.organization_id:
            raise ServiceError("a contact can only reply on its own organization's tickets")
        if customer is not None and _needs_follow_up(ticket, now):
            follow = open_ticket(
                organization=ticket.organization,
                requester=customer,
                subject=ticket.subject if ticket.subject.startswith("Re:") else f"Re: {ticket.subject}",
                description=body,
                description_html=html,
                priority=ticket.priority,
                channel=channel,
                custom_fields=ticket.custom_fields,
                actor=author,
                follow_up_of=ticket,
            )
            log = _Log(ticket, author, channel, now)
            log.add(EventKind.FOLLOW_UP, follow_up=follow.pk)
            log.flush()
            return follow.messages.get()
        log = _Log(ticket, author, channel, now)
        _refresh(ticket, now, log)
        message = Message.objects.create(
            ticket=ticket,
            author_user=None if isinstance(author, Contact) else author,
            author_contact=customer,
            from_customer=customer is not None,
            public=True,
            body_text=body,
            body_html=_sanitize(body, html),
            channel=channel,
            created_at=now,
        )
        log.add(EventKind.MESSAGE, message_id=message.pk, public=True, from_customer=customer is not None)
        if customer is not None:
            _customer_replied(ticket, now, log)
        else:
            _agent_replied(ticket, now, log)
        _touch(ticket, now, "status", "solved_at")
        log.flush()
        if customer is None:
            _mail_agent_reply(message)
    return message


def _mail_agent_reply(message: Message) -> None:
    """Queue the e-mail of a public agent reply (same transaction) when the ticket came in
    by e-mail; `sladesk.intake.outbound` decides and writes the outbox row."""
    from sladesk.intake.outbound import agent_replied

    agent_replied(message)


def _needs_follow_up(ticket: Ticket, now: datetime) -> bool:
    if ticket.status == Status.CLOSED:
        return True
    if ticket.status == Status.SOLVED:
        solved = ticket.solved_at or ticket.updated_at
        return bool(now - solved > settings.SLADESK_REOPEN_WINDOW)
    return False


def _customer_replied(ticket: Ticket, now: datetime, log: _Log) -> None:
    if ticket.status == Status.PENDING:
        _resume(ticket, now, log, "customer replied")
    elif ticket.status == Status.SOLVED:
        _reopen(ticket, now, log, "customer replied within the reopen window")


def _agent_replied(ticket: Ticket, now: datetime, log: _Log) -> None:
    targets = clocks.targets_of(ticket)
    current = _clocks(ticket)
    changes: list[ClockChange | None] = []
    first = current.get(Metric.FIRST_RESPONSE)
    if first is not None:
        changes.append(clocks.meet(first, targets.get(Metric.FIRST_RESPONSE), now, "first public agent reply"))
    target = targets.get(Metric.NEXT_UPDATE)
    if target is not None and not target.continuous and ticket.status not in (Status.SOLVED, Status.CLOSED):
        nxt = current.get(Metric.NEXT_UPDATE)
        if nxt is None:
            changes.append(clocks.new_clock(ticket, target, now))
        else:
            changes.append(clocks.restart(nxt, target, now, "public agent update"))
        if ticket.status == Status.PENDING and target.pauses_when_pending:
            changes.append(clocks.pause(changes[-1].clock, target, now, "pending"))  # type: ignore[union-attr]
    _save_clocks(changes, log)
    if ticket.status == Status.NEW:
        _set_status(ticket, Status.OPEN, log, "first public agent reply")


def add_note(
    ticket: Ticket, *, author: Any, body: str, channel: str = Channel.WEB, html: str | None = None
) -> Message:
    """An internal note (agents only; never shown to contacts; no effect on SLA clocks)."""
    if _customer_side(author) is not None:
        raise ServiceError("contacts cannot write internal notes")
    now = core_clock.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        log = _Log(ticket, author, channel, now)
        message = Message.objects.create(
            ticket=ticket,
            author_user=author,
            public=False,
            body_text=body,
            body_html=_sanitize(body, html),
            channel=channel,
            created_at=now,
        )
        log.add(EventKind.NOTE, message_id=message.pk)
        _touch(ticket, now)
        log.flush()
    return message


def change_priority(
    ticket: Ticket,
    *,
    priority: str,
    actor: Any,
    reason: str,
    channel: str = Channel.WEB,
) -> Ticket:
    """Set the priority and re-target the open clocks, keeping the time already used.

    ``reason`` is required (who changed it is ``actor``). Every open clock gets the new
    priority's target with its used time and its ``running_since`` (so the new due instant
    counts from the ticket's start, not from now); a metric the new priority lacks is
    cancelled; one it adds starts counting from the ticket's creation. A resolution target
    with ``met_by_downgrade_to`` (Particle P1: "2 days to de-escalate to Priority 2") is met
    when the new priority is that or less urgent, and a new resolution cycle starts now
    under the new priority. A ``customer_notice`` event is queued for the customer
    (``required_by_policy`` says whether the policy demands it, e.g. Particle "with notice").
    """
    if not reason or not reason.strip():
        raise ServiceError("a priority change needs a reason")
    now = core_clock.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        log = _Log(ticket, actor, channel, now)
        _refresh(ticket, now, log)
        _change_priority(ticket, priority, now, log, reason)
        log.flush()
    return ticket


def _change_priority(ticket: Ticket, priority: str, now: datetime, log: _Log, reason: str) -> None:
    policy = clocks.policy_of(ticket)
    new = policy.resolve_priority(priority)
    old = ticket.priority
    if new == old:
        return
    old_targets = clocks.targets_of(ticket, old)
    new_targets = clocks.targets_of(ticket, new)
    ticket.priority = new
    _touch(ticket, now, "priority")
    log.add(EventKind.PRIORITY, **{"from": old, "to": new, "reason": reason})
    log.add(
        EventKind.CUSTOMER_NOTICE,
        template="priority_changed",
        to_contact=ticket.requester_id,
        required_by_policy=policy.priority_change_notifies_customer,
        **{"from": old, "to": new, "reason": reason},
    )
    changes: list[ClockChange | None] = []
    current = _clocks(ticket)
    for metric, clock in current.items():
        old_t, new_t = old_targets.get(metric), new_targets.get(metric)
        if not clock.is_open:
            continue
        downgrade_to = old_t.met_by_downgrade_to if old_t else None
        if downgrade_to and policy.rank(new) >= policy.rank(downgrade_to):
            changes.append(clocks.meet(clock, old_t, now, f"de-escalation to {new}"))
            if new_t is not None and not new_t.continuous:
                changes.append(clocks.restart(clock, new_t, now, f"{metric} under {new}"))
            continue
        if new_t is None or new_t.continuous:
            changes.append(clocks.cancel(clock, old_t, now, f"no {metric} target for {new}"))
        else:
            changes.append(clocks.retarget(clock, new_t, now, f"priority {old} → {new}: {reason}"))
    for metric, target in new_targets.items():
        if metric in current or metric == Metric.NEXT_UPDATE or target.continuous:
            continue
        change = clocks.new_clock(ticket, target, ticket.created_at)
        changes.append(change)
        if ticket.status == Status.PENDING and target.pauses_when_pending:
            changes.append(clocks.pause(change.clock, target, now, "pending"))
    _save_clocks(changes, log)
    _refresh(ticket, now, log)


def set_pending(ticket: Ticket, *, actor: Any, reason: str = "", channel: str = Channel.WEB) -> Ticket:
    """Waiting on the customer: pause the clocks whose targets pause when pending."""
    return change_status(ticket, status=Status.PENDING, actor=actor, reason=reason, channel=channel)


def set_on_hold(ticket: Ticket, *, actor: Any, reason: str = "", channel: str = Channel.WEB) -> Ticket:
    """Waiting on a third party: the clocks keep running (the customer is still waiting)."""
    return change_status(ticket, status=Status.ON_HOLD, actor=actor, reason=reason, channel=channel)


def resume(ticket: Ticket, *, actor: Any, reason: str = "", channel: str = Channel.WEB) -> Ticket:
    """Back to open from pending/on hold: paused clocks count again with their used time."""
    return change_status(ticket, status=Status.OPEN, actor=actor, reason=reason, channel=channel)


def solve(ticket: Ticket, *, actor: Any, reason: str = "", channel: str = Channel.WEB) -> Ticket:
    """Solved: resolution met; every other open clock cancelled."""
    return change_status(ticket, status=Status.SOLVED, actor=actor, reason=reason, channel=channel)


def close(ticket: Ticket, *, actor: Any, reason: str = "", channel: str = Channel.WEB) -> Ticket:
    """Closed (from solved): final; a later customer reply opens a follow-up ticket."""
    return change_status(ticket, status=Status.CLOSED, actor=actor, reason=reason, channel=channel)


def reopen(ticket: Ticket, *, actor: Any, reason: str = "", channel: str = Channel.WEB) -> Ticket:
    """Solved → open: resolution counts again with its used time; next_update restarts."""
    return change_status(ticket, status=Status.OPEN, actor=actor, reason=reason, channel=channel)


def change_status(
    ticket: Ticket, *, status: str, actor: Any, reason: str = "", channel: str = Channel.WEB
) -> Ticket:
    """Move the ticket along its life cycle (`TRANSITIONS`) and move its clocks with it.

    Raises `InvalidTransition` for a move the life cycle does not allow.
    """
    now = core_clock.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        if status == ticket.status:
            return ticket
        if status not in TRANSITIONS.get(ticket.status, frozenset()):
            raise InvalidTransition(f"a {ticket.status} ticket cannot become {status}")
        log = _Log(ticket, actor, channel, now)
        _refresh(ticket, now, log)
        before = ticket.status
        if status == Status.PENDING:
            _set_status(ticket, Status.PENDING, log, reason)
            _pause_all(ticket, now, log, "pending")
        elif status == Status.SOLVED:
            _solve(ticket, now, log, reason)
        elif status == Status.CLOSED:
            _set_status(ticket, Status.CLOSED, log, reason)
            ticket.closed_at = now
        elif before == Status.SOLVED:
            _reopen(ticket, now, log, reason or "reopened")
        elif before == Status.PENDING:
            _set_status(ticket, status, log, reason)
            _resume_all(ticket, now, log, reason or f"status {status}")
        else:
            _set_status(ticket, status, log, reason)
        _touch(ticket, now, "status", "solved_at", "closed_at")
        log.flush()
    return ticket


def _pause_all(ticket: Ticket, now: datetime, log: _Log, reason: str) -> None:
    targets = clocks.targets_of(ticket)
    changes = []
    for metric, clock in _clocks(ticket).items():
        target = targets.get(metric)
        if target is not None and target.pauses_when_pending:
            changes.append(clocks.pause(clock, target, now, reason))
    _save_clocks(changes, log)


def _resume_all(ticket: Ticket, now: datetime, log: _Log, reason: str) -> None:
    targets = clocks.targets_of(ticket)
    changes = []
    for metric, clock in _clocks(ticket).items():
        target = targets.get(metric)
        if target is not None:
            changes.append(clocks.resume(clock, target, now, reason))
    _save_clocks(changes, log)


def _resume(ticket: Ticket, now: datetime, log: _Log, reason: str) -> None:
    _set_status(ticket, Status.OPEN, log, reason)
    _resume_all(ticket, now, log, reason)


def _solve(ticket: Ticket, now: datetime, log: _Log, reason: str) -> None:
    _set_status(ticket, Status.SOLVED, log, reason)
    ticket.solved_at = now
    targets = clocks.targets_of(ticket)
    changes: list[ClockChange | None] = []
    for metric, clock in _clocks(ticket).items():
        target = targets.get(metric)
        if metric == Metric.RESOLUTION:
            changes.append(clocks.meet(clock, target, now, "ticket solved"))
        else:
            changes.append(clocks.cancel(clock, target, now, "ticket solved"))
    _save_clocks(changes, log)


def _reopen(ticket: Ticket, now: datetime, log: _Log, reason: str) -> None:
    _set_status(ticket, Status.OPEN, log, reason)
    ticket.solved_at = None
    targets = clocks.targets_of(ticket)
    current = _clocks(ticket)
    changes: list[ClockChange | None] = []
    resolution, target = current.get(Metric.RESOLUTION), targets.get(Metric.RESOLUTION)
    if resolution is not None and target is not None and not target.continuous:
        changes.append(clocks.reopen(resolution, target, now, reason))
    nxt_target = targets.get(Metric.NEXT_UPDATE)
    nxt = current.get(Metric.NEXT_UPDATE)
    if nxt is not None and nxt_target is not None and not nxt_target.continuous:
        changes.append(clocks.restart(nxt, nxt_target, now, reason))
    _save_clocks(changes, log)


def assign(
    ticket: Ticket,
    *,
    team: Team | None = None,
    assignee: Any = None,
    actor: Any,
    channel: str = Channel.WEB,
) -> Ticket:
    """Dispatch: set the team and/or the agent (None leaves that one unchanged).

    The dispatch clock (freistilbox: "dispatched after 1 hour during business hours") is met
    by the first assignment; a new ticket becomes open.
    """
    if team is None and assignee is None:
        raise ServiceError("assign needs a team or an assignee")
    now = core_clock.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        log = _Log(ticket, actor, channel, now)
        _refresh(ticket, now, log)
        data: dict[str, Any] = {}
        if team is not None and team.pk != ticket.team_id:
            data["team"] = {"from": ticket.team_id, "to": team.pk}
            ticket.team = team
        if assignee is not None and assignee.pk != ticket.assignee_id:
            data["assignee"] = {"from": ticket.assignee_id, "to": assignee.pk}
            ticket.assignee = assignee
        if data:
            log.add(EventKind.ASSIGNED, **data)
        dispatch = SlaClock.objects.filter(ticket=ticket, metric=Metric.DISPATCH).first()
        if dispatch is not None:
            target = clocks.targets_of(ticket).get(Metric.DISPATCH)
            _save_clocks([clocks.meet(dispatch, target, now, "assignment")], log)
        if ticket.status == Status.NEW:
            _set_status(ticket, Status.OPEN, log, "assigned")
        _touch(ticket, now, "team", "assignee", "status")
        log.flush()
    return ticket


def update_fields(
    ticket: Ticket,
    *,
    custom_fields: Mapping[str, Any] | None = None,
    tags: Sequence[str] | None = None,
    subject: str | None = None,
    actor: Any,
    channel: str = Channel.WEB,
) -> Ticket:
    """Change custom fields (merged; a None value removes the key), tags (replaced) or subject.

    The policy's rules re-apply to the new fields on every change (`Policy.apply_rules` with
    the current priority, ``set_by="system"``): a cap, floor or set that changes the priority
    goes through the same re-targeting as `change_priority`, with the rule's reason. Tags a
    rule adds are added.
    """
    now = core_clock.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        log = _Log(ticket, actor, channel, now)
        _refresh(ticket, now, log)
        changed: dict[str, Any] = {}
        if custom_fields:
            merged = dict(ticket.custom_fields)
            for key, value in custom_fields.items():
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            if merged != ticket.custom_fields:
                changed["custom_fields"] = {"from": ticket.custom_fields, "to": merged}
                ticket.custom_fields = merged
        if subject is not None and subject != ticket.subject:
            changed["subject"] = {"from": ticket.subject, "to": subject}
            ticket.subject = subject[:300]
        if tags is not None:
            before = sorted(ticket.tags.values_list("name", flat=True))
            ticket.tags.clear()
            after = sorted(_add_tags(ticket, tags))
            if before != after:
                changed["tags"] = {"from": before, "to": after}
        if changed:
            log.add(EventKind.FIELDS, **changed)
        _touch(ticket, now, "custom_fields", "subject")
        policy = clocks.policy_of(ticket)
        outcome = policy.apply_rules(ticket.priority, ticket.custom_fields, set_by="system")
        added = _add_tags(ticket, outcome.tags)
        if outcome.priority != ticket.priority:
            log.add(EventKind.RULE, priority=outcome.priority, reasons=outcome.reasons, tags=added)
            _change_priority(ticket, outcome.priority, now, log, " ".join(outcome.reasons))
        log.flush()
    return ticket


def retarget_policy(
    ticket: Ticket, *, actor: Any, reason: str, policy_name: str | None = None
) -> Ticket:
    """Move a ticket to the current version of its (or another) policy file — explicitly.

    Editing a policy file changes nothing for existing tickets; this service is how a ticket
    adopts the new text. Plan and region are re-read from the organization; the priority is
    kept when the new policy knows it, else the new default applies. Open clocks are
    re-targeted like a priority change (same used time). Logged as a ``policy`` event with
    both digests.
    """
    if not reason or not reason.strip():
        raise ServiceError("re-targeting a policy needs a reason")
    now = core_clock.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        log = _Log(ticket, actor, Channel.SYSTEM if actor is None else Channel.WEB, now)
        _refresh(ticket, now, log)
        version = _snapshot(policy_name or ticket.policy_name)
        if version.pk == ticket.policy_version_id:
            return ticket
        old_digest = ticket.policy_version.digest
        policy = version.policy
        try:
            priority = policy.resolve_priority(ticket.priority)
        except Exception:
            priority = policy.default_priority
        ticket.policy_version = version
        ticket.policy_name = policy.name
        ticket.plan = policy.resolve_plan(ticket.organization.plan or None) or ""
        ticket.region = policy.resolve_region(ticket.organization.region or None) or ""
        ticket.priority = priority
        _touch(ticket, now, "policy_version", "policy_name", "plan", "region", "priority")
        log.add(
            EventKind.POLICY,
            policy=policy.name,
            from_digest=old_digest,
            to_digest=version.digest,
            priority=priority,
            reason=reason,
        )
        targets = clocks.targets_of(ticket)
        changes: list[ClockChange | None] = []
        for metric, clock in _clocks(ticket).items():
            target = targets.get(metric)
            if not clock.is_open:
                continue
            if target is None or target.continuous:
                changes.append(clocks.cancel(clock, None, now, f"no {metric} target in the new policy"))
            else:
                changes.append(clocks.retarget(clock, target, now, f"policy re-target: {reason}"))
        _save_clocks(changes, log)
        _refresh(ticket, now, log)
        log.flush()
    return ticket
