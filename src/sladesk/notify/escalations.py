"""Telling an escalation ladder's rung that a ticket has been escalated to it.

An escalation (`sladesk.tickets.services.escalate`: a customer from the portal, an agent, or
a policy action at a clock's moment) is only half done while the person it names does not
know. The rung is reached by e-mail: its ``contact:`` address when the policy gives one,
else the organization's account-team members whose role is the rung's role (Houseware:
the *Customer Happiness Manager*, then the *Head of Customer Experience*, then the *Chief
Executive Officer*). Rows go into the outbox in the caller's transaction, keyed
``escalation:<ticket>:<level>:<channel>:<destination>``, so reaching a level twice (a retried
transaction, a re-fired timer) mails nobody twice.

**Climbing by time** (a rung's ``after:``, `sladesk.sla.EscalationLevel.climbs_at`): a
ticket has at most one ``escalation`` timer, armed by `arm_climb` whenever it reaches a
level (`services.escalate`, whoever escalates) and when it is opened (for an ``after`` on
level 1), at the instant the next rung's ``after`` runs out; its ``generation`` is the
level it was armed on (the reactions to `TicketEscalated` and `TicketOpened`,
`sladesk.notify.reactions`). The timer worker fires it through `climb`: when the ticket is still
on that level and neither solved nor closed, it climbs one rung with `services.escalate`
(actor ``policy``: an ``escalation`` event, the rung's mail, the next rung armed); otherwise
the timer is cancelled (an escalation by hand meanwhile has armed the next one itself).
Firing is idempotent: a fired or cancelled timer is not pending, and the level check
fences a stale one.

**Reopening** (`resume_climb`, the reaction to `TicketReopened`: a reopen in
`services.change_status` or a customer's reply): the time a ticket spent solved does not
count towards a rung's ``after``, as it
does not for the resolution clock. What was left of the wait when it was solved (from
``solved_at`` to the timer's ``fire_at``, in the rung's business or calendar time) is
counted again from the reopen: a climb that came due while the ticket was solved (and was
cancelled) is armed again, a pending one is moved later by the solved time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sladesk.tickets import services
from sladesk.tickets.models import Status, Ticket

from .models import Timer, TimerKind, TimerState
from .outbox import enqueue, ticket_rows
from .recipients import Recipient, by_role

__all__ = ["arm_climb", "climb", "resume_climb", "rung_recipients", "tell_rung"]


def rung_recipients(ticket: Ticket, rung: Any) -> list[Recipient]:
    """Who a rung (`sladesk.sla` ladder step: ``level``, ``role``, ``contact``) reaches."""
    if rung.contact and "@" in rung.contact:
        return [Recipient("email", f"email:{rung.contact}", f"{rung.role} {rung.contact}")]
    return by_role(ticket.organization_id, rung.role)


def tell_rung(ticket: Ticket, rung: Any, *, reason: str, at: datetime) -> list[Recipient]:
    """Queue the e-mail telling ``rung`` that ``ticket`` reached it, with ``reason``; returns
    who it goes to (empty: nobody configured for the role, which the caller logs)."""
    to = rung_recipients(ticket, rung)
    summary = (
        f"{ticket.priority} ticket #{ticket.pk} escalated to the {rung.role} (level {rung.level})"
    )
    rows = ticket_rows(
        ticket.pk,
        to,
        base=f"escalation:{ticket.pk}:{rung.level}",
        purpose="escalation",
        summary=summary,
        body=f"{ticket.subject}\n{reason}",
        severity="warning",  # a customer asked for more attention: not a failure
        extra={"policy": ticket.policy_name, "escalation_level": rung.level, "role": rung.role},
        at=at,
    )
    enqueue(rows)
    return to


def arm_climb(ticket: Ticket, *, level: int, since: datetime, new: bool = False) -> datetime | None:
    """Arm, move or cancel ``ticket``'s escalation timer (caller's transaction): it is on
    ``level`` (0: not escalated) since ``since``; the timer fires when the next rung's
    ``after`` runs out, on the ticket's business calendar. Returns that instant, or None
    (no next rung, or it has no ``after``: a pending timer is cancelled). ``new``: the
    ticket was created in this transaction and has no timer to look up."""
    policy = ticket.policy
    ladder = policy.escalation
    rung = ladder[level] if 0 <= level < len(ladder) else None
    calendar = policy.calendar_for(ticket.plan or None, ticket.region or None)
    fire_at: datetime | None = rung.climbs_at(since, calendar) if rung is not None else None
    existing = (
        None if new else Timer.objects.filter(ticket=ticket, kind=TimerKind.ESCALATION).first()
    )
    if fire_at is None:
        if existing is not None and existing.state == TimerState.PENDING:
            existing.state, existing.updated_at = TimerState.CANCELLED, since
            existing.save(update_fields=["state", "updated_at"])
        return None
    if existing is None:
        Timer.objects.create(
            ticket=ticket,
            kind=TimerKind.ESCALATION,
            fire_at=fire_at,
            generation=level,
            created_at=since,
            updated_at=since,
        )
    else:
        existing.state, existing.fire_at, existing.generation = TimerState.PENDING, fire_at, level
        existing.late, existing.fired_at, existing.updated_at = False, None, since
        existing.save(
            update_fields=["state", "fire_at", "generation", "late", "fired_at", "updated_at"]
        )
    return fire_at


def climb(timer: Timer, ticket: Ticket, moment: datetime, late: bool) -> bool:
    """Fire ``ticket``'s escalation timer (the timer worker's transaction, ticket locked):
    one rung up when the ticket is still on the timer's level and open, else cancelled.
    Always done with the timer (True)."""
    ladder = ticket.policy.escalation
    level = services.escalation_level(ticket)
    rung = ladder[level] if level < len(ladder) else None
    if (
        level != timer.generation
        or rung is None
        or rung.after is None
        or ticket.status in (Status.SOLVED, Status.CLOSED)
    ):
        Timer.objects.filter(pk=timer.pk).update(state=TimerState.CANCELLED, updated_at=moment)
        return True
    Timer.objects.filter(pk=timer.pk).update(
        state=TimerState.FIRED, fired_at=moment, late=late, updated_at=moment
    )
    below = f"level {level} ({ladder[level - 1].role})" if level else "opening"
    reason = f"not resolved {rung.after} after {below}: the ladder's after: for level {rung.level}"
    services.escalate(
        ticket, actor="policy", reason=reason, channel="system", after=str(rung.after)
    )
    return True


def resume_climb(
    ticket: Ticket, *, level: int, solved_at: datetime | None, at: datetime
) -> datetime | None:
    """Re-arm ``ticket``'s climb when it is reopened at ``at`` after being solved at
    ``solved_at`` (caller's transaction, ticket locked), on ``level``: the wait left at
    ``solved_at`` counts again from ``at``. Returns the new instant, or None when there is
    nothing to climb (no timer for this level, or the next rung has no ``after``)."""
    policy = ticket.policy
    ladder = policy.escalation
    rung = ladder[level] if 0 <= level < len(ladder) else None
    if rung is None or rung.after is None or solved_at is None:
        return None
    timer = Timer.objects.filter(ticket=ticket, kind=TimerKind.ESCALATION).first()
    if timer is None or timer.generation != level or timer.state == TimerState.FIRED:
        return None
    calendar = policy.calendar_for(ticket.plan or None, ticket.region or None)
    if timer.fire_at <= solved_at:
        fire_at = at
    elif rung.after.business:
        fire_at = calendar.add(at, calendar.elapsed(solved_at, timer.fire_at))
    else:
        fire_at = at + (timer.fire_at - solved_at)
    timer.state, timer.fire_at, timer.late, timer.fired_at, timer.updated_at = (
        TimerState.PENDING,
        fire_at,
        False,
        None,
        at,
    )
    timer.save(update_fields=["state", "fire_at", "late", "fired_at", "updated_at"])
    return fire_at
