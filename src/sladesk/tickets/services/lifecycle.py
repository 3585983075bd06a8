"""Priority and status changes: re-targeting, pending/on-hold pauses, solve, close, reopen.

See `sladesk.tickets.services` for the conventions every service follows.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from sladesk.core import time as core_time

from .. import clocks, events
from ..announce import PriorityChanged, TicketReopened, TicketSolved, announce
from ..clocks import ClockChange
from ..models import (
    Channel,
    ClockState,
    Message,
    Metric,
    SlaClock,
    Status,
    Ticket,
)
from .base import (
    TRANSITIONS,
    InvalidTransition,
    Log,
    ServiceError,
    clocks_by_metric,
    lock,
    refresh,
    save_clocks,
    set_status,
    touch,
)

if TYPE_CHECKING:
    from sladesk.sla import Target

__all__ = [
    "change_priority",
    "change_status",
    "close",
    "reopen",
    "resume",
    "set_on_hold",
    "set_pending",
    "solve",
]


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
    under the new priority (paused while the ticket is pending, when the target pauses);
    when that target had already breached, the de-escalation keeps it late (``met_at``
    now, still breached; no new cycle, so the breach stays in the reports). A follow-up
    cadence (``next_update``) the ticket had none of running (Esper Sev1 "continuous"
    lowered to Sev2) starts now once an agent has answered publicly (`_start_cadence`).
    A ``customer_notice`` event is queued for the customer (``required_by_policy`` says
    whether the policy demands it, e.g. Particle "with notice").
    """
    if not reason or not reason.strip():
        raise ServiceError("a priority change needs a reason")
    now = core_time.now()
    with transaction.atomic():
        ticket = lock(ticket)
        log = Log(ticket, actor, channel, now)
        refresh(ticket, now, log)
        change_priority_in(ticket, priority, now, log, reason)
        log.flush()
    return ticket


def change_priority_in(ticket: Ticket, priority: str, now: datetime, log: Log, reason: str) -> None:
    policy = clocks.policy_of(ticket)
    new = policy.resolve_priority(priority)
    old = ticket.priority
    if new == old:
        return
    old_targets = clocks.targets_of(ticket, old)
    new_targets = clocks.targets_of(ticket, new)
    ticket.priority = new
    touch(ticket, now, "priority")
    log.add(events.priority, from_priority=old, to_priority=new, reason=reason)
    log.add(
        events.customer_notice,
        template="priority_changed",
        to_contact=ticket.requester_id,
        required_by_policy=policy.priority_change_notifies_customer,
        **{"from": old, "to": new, "reason": reason},
    )
    announce(
        PriorityChanged(ticket, old, new, reason, now, policy.priority_change_notifies_customer)
    )
    changes: list[ClockChange | None] = []
    current = clocks_by_metric(ticket)
    for metric, clock in current.items():
        old_t, new_t = old_targets.get(metric), new_targets.get(metric)
        downgrade_to = old_t.met_by_downgrade_to if old_t else None
        downgraded = bool(downgrade_to) and policy.rank(new) >= policy.rank(downgrade_to or new)
        if downgraded and clock.state == ClockState.BREACHED and clock.met_at is None:
            # a missed "de-escalate within" promise is kept late by the de-escalation
            changes.append(clocks.meet(clock, old_t, now, f"late de-escalation to {new}"))
            continue
        if not clock.is_open:
            if metric == Metric.NEXT_UPDATE and clock.state == ClockState.CANCELLED:
                changes.extend(_start_cadence(ticket, clock, new_t, now, new))
            continue
        if downgraded:
            changes.append(clocks.meet(clock, old_t, now, f"de-escalation to {new}"))
            if new_t is not None and not new_t.continuous:
                restarted = clocks.restart(clock, new_t, now, f"{metric} under {new}")
                changes.append(restarted)
                if ticket.status == Status.PENDING and new_t.pauses_when_pending:
                    changes.append(clocks.pause(restarted.clock, new_t, now, "pending"))
            continue
        if new_t is None or new_t.continuous:
            changes.append(clocks.cancel(clock, old_t, now, f"no {metric} target for {new}"))
        else:
            changes.append(clocks.retarget(clock, new_t, now, f"priority {old} → {new}: {reason}"))
    for metric, target in new_targets.items():
        if metric == Metric.NEXT_UPDATE and metric not in current:
            changes.extend(_start_cadence(ticket, None, target, now, new))
        if metric in current or metric == Metric.NEXT_UPDATE or target.continuous:
            continue
        change = clocks.new_clock(ticket, target, ticket.created_at)
        changes.append(change)
        if ticket.status == Status.PENDING and target.pauses_when_pending:
            changes.append(clocks.pause(change.clock, target, now, "pending"))
    save_clocks(changes, log)
    refresh(ticket, now, log)


def _start_cadence(
    ticket: Ticket, clock: SlaClock | None, target: Target | None, now: datetime, priority: str
) -> list[ClockChange | None]:
    """The follow-up cadence a priority change brings to a ticket that had none running
    (Esper Sev1's "continuous work" lowered to Sev2's "twice per business day"): it counts
    from the change, once an agent has answered publicly (before that it starts with the
    first public agent reply, as on any ticket) and while the ticket is not solved."""
    if target is None or target.continuous or ticket.status in (Status.SOLVED, Status.CLOSED):
        return []
    answered = Message.objects.filter(
        ticket=ticket, public=True, from_customer=False, author_user__isnull=False
    ).exists()
    if not answered:
        return []
    if clock is None:
        change = clocks.new_clock(ticket, target, now)
    else:
        change = clocks.restart(clock, target, now, f"update cadence of {priority}")
    if ticket.status == Status.PENDING and target.pauses_when_pending:
        return [change, clocks.pause(change.clock, target, now, "pending")]
    return [change]


def set_pending(
    ticket: Ticket, *, actor: Any, reason: str = "", channel: str = Channel.WEB
) -> Ticket:
    """Waiting on the customer: pause the clocks whose targets pause when pending."""
    return change_status(ticket, status=Status.PENDING, actor=actor, reason=reason, channel=channel)


def set_on_hold(
    ticket: Ticket, *, actor: Any, reason: str = "", channel: str = Channel.WEB
) -> Ticket:
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
    now = core_time.now()
    with transaction.atomic():
        ticket = lock(ticket)
        if status == ticket.status:
            return ticket
        if status not in TRANSITIONS.get(ticket.status, frozenset()):
            raise InvalidTransition(f"a {ticket.status} ticket cannot become {status}")
        log = Log(ticket, actor, channel, now)
        refresh(ticket, now, log)
        before = ticket.status
        if status == Status.PENDING:
            set_status(ticket, Status.PENDING, log, reason)
            _pause_all(ticket, now, log, "pending")
        elif status == Status.SOLVED:
            _solve(ticket, now, log, reason)
        elif status == Status.CLOSED:
            set_status(ticket, Status.CLOSED, log, reason)
            ticket.closed_at = now
        elif before == Status.SOLVED:
            reopen_in(ticket, now, log, reason or "reopened")
        elif before == Status.PENDING:
            set_status(ticket, status, log, reason)
            _resume_all(ticket, now, log, reason or f"status {status}")
        else:
            set_status(ticket, status, log, reason)
        touch(ticket, now, "status", "solved_at", "closed_at")
        log.flush()
        if ticket.status == Status.SOLVED:  # satisfaction survey etc. (subscribers above)
            announce(TicketSolved(ticket=ticket, actor=actor, at=now))
    return ticket


def _pause_all(ticket: Ticket, now: datetime, log: Log, reason: str) -> None:
    targets = clocks.targets_of(ticket)
    changes = []
    for metric, clock in clocks_by_metric(ticket).items():
        target = targets.get(metric)
        if target is not None and target.pauses_when_pending:
            changes.append(clocks.pause(clock, target, now, reason))
    save_clocks(changes, log)


def _resume_all(ticket: Ticket, now: datetime, log: Log, reason: str) -> None:
    targets = clocks.targets_of(ticket)
    changes = []
    for metric, clock in clocks_by_metric(ticket).items():
        target = targets.get(metric)
        if target is not None:
            changes.append(clocks.resume(clock, target, now, reason))
    save_clocks(changes, log)


def resume_in(ticket: Ticket, now: datetime, log: Log, reason: str) -> None:
    set_status(ticket, Status.OPEN, log, reason)
    _resume_all(ticket, now, log, reason)


def _solve(ticket: Ticket, now: datetime, log: Log, reason: str) -> None:
    set_status(ticket, Status.SOLVED, log, reason)
    ticket.solved_at = now
    targets = clocks.targets_of(ticket)
    changes: list[ClockChange | None] = []
    for metric, clock in clocks_by_metric(ticket).items():
        target = targets.get(metric)
        if metric == Metric.RESOLUTION:
            changes.append(clocks.meet(clock, target, now, "ticket solved"))
        else:
            changes.append(clocks.cancel(clock, target, now, "ticket solved"))
    save_clocks(changes, log)


def reopen_in(ticket: Ticket, now: datetime, log: Log, reason: str) -> None:
    set_status(ticket, Status.OPEN, log, reason)
    announce(TicketReopened(ticket, solved_at=ticket.solved_at, at=now))
    ticket.solved_at = None
    targets = clocks.targets_of(ticket)
    current = clocks_by_metric(ticket)
    changes: list[ClockChange | None] = []
    resolution, target = current.get(Metric.RESOLUTION), targets.get(Metric.RESOLUTION)
    if resolution is not None and target is not None and not target.continuous:
        changes.append(clocks.reopen(resolution, target, now, reason))
    nxt_target = targets.get(Metric.NEXT_UPDATE)
    nxt = current.get(Metric.NEXT_UPDATE)
    if nxt is not None and nxt_target is not None and not nxt_target.continuous:
        changes.append(clocks.restart(nxt, nxt_target, now, reason))
    save_clocks(changes, log)
