"""What the notify layer does when the ticket layer announces something
(`sladesk.tickets.announce`); subscribed in `NotifyConfig.ready`.

Every reaction here writes rows that must commit with the ticket's change (timers, pages,
outbox rows), so all run inside the service's transaction (``IN_TRANSACTION``):

==================  ==========================================================================
event               reaction
==================  ==========================================================================
ClocksChanged       the clocks' timers move, are armed or cancelled (`timers.sync_clock_timers`);
                    met or cancelled clocks resolve their pages
TicketOpened        on-call is paged when the policy asks at creation (P1, out of hours:
                    `pages.page_oncall`, about the first clock that shows someone has it); the
                    climb to the ladder's first rung is armed when it has ``after:``
TicketEscalated     the rung is told by e-mail (`escalations.tell_rung`, recorded in the event's
                    ``told``); the climb to the next rung is armed
TicketReopened      the escalation climb resumes with the wait it had left
                    (`escalations.resume_climb`)
PriorityChanged     a ticket raised to a ``page_on_create`` priority pages on-call as one
                    opened at it would (``created_urgent``), unless a page of the ticket is
                    still open (`page_raised_priority`)
==================  ==========================================================================
"""

from __future__ import annotations

from sladesk.tickets.announce import (
    IN_TRANSACTION,
    ClocksChanged,
    PriorityChanged,
    TicketEscalated,
    TicketOpened,
    TicketReopened,
    subscribe,
)
from sladesk.tickets.models import ClockState, Metric, SlaClock
from sladesk.tickets.services import escalation_level

from .escalations import arm_climb, resume_climb, tell_rung
from .models import Page, PageState
from .pages import page_oncall
from .timers import sync_clock_timers

__all__ = [
    "arm_first_climb",
    "climb_on_escalation",
    "follow_clocks",
    "page_new_ticket",
    "page_raised_priority",
    "resume_climb_on_reopen",
    "subscribe_all",
]

#: The clock a page on creation is about, first found first: meeting it resolves the page.
_PAGE_ABOUT = (Metric.FIRST_RESPONSE, Metric.DISPATCH, Metric.RESOLUTION)


def follow_clocks(event: ClocksChanged) -> None:
    sync_clock_timers(event.clocks, new=event.new)


def page_new_ticket(event: TicketOpened) -> None:
    if not event.pages:
        return
    about = next((c for m in _PAGE_ABOUT for c in event.clocks if c.metric == m), None)
    ticket = event.ticket
    page_oncall(ticket, "; ".join(event.pages), clock=about, now=ticket.created_at, actor="policy")


def page_raised_priority(event: PriorityChanged) -> None:
    """A ticket that becomes a ``page_on_create`` priority after it opened is such a
    request all the same (Particle: "a P1 request results in an immediate notification to
    the on-call support resource"; Houseware, where only the team sets priority: "24/7 SRE
    support for critical (P0) issues"): page on-call now, on the ``created_urgent``
    escalation policy. Not when the old priority paged too, nor while a page of the
    ticket is still triggered or acknowledged (someone already has it). The page is about
    the first promise still unkept (first response, dispatch, resolution)."""
    ticket = event.ticket
    policy = ticket.policy
    if not policy.priority(event.new).page_on_create or policy.priority(event.old).page_on_create:
        return
    if Page.objects.filter(ticket=ticket).exclude(state=PageState.RESOLVED).exists():
        return
    unkept = {
        c.metric: c
        for c in SlaClock.objects.filter(
            ticket=ticket,
            state__in=(ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED),
            met_at__isnull=True,
        )
    }
    about = next((unkept[m] for m in _PAGE_ABOUT if m in unkept), None)
    reason = f"{event.new} pages on-call (raised from {event.old}: {event.reason})"
    page_oncall(ticket, reason, clock=about, now=event.at, actor="policy", event="created_urgent")


def arm_first_climb(event: TicketOpened) -> None:
    """Level 1 by time alone, counted from the ticket's opening."""
    ticket = event.ticket
    ladder = ticket.policy.escalation
    if ladder and ladder[0].after is not None:
        arm_climb(ticket, level=0, since=ticket.created_at, new=True)


def climb_on_escalation(event: TicketEscalated) -> None:
    event.told.extend(tell_rung(event.ticket, event.rung, reason=event.reason, at=event.at))
    arm_climb(event.ticket, level=event.level, since=event.at)


def resume_climb_on_reopen(event: TicketReopened) -> None:
    ticket = event.ticket
    resume_climb(ticket, level=escalation_level(ticket), solved_at=event.solved_at, at=event.at)


def subscribe_all() -> None:
    """Subscribe the reactions above (idempotent)."""
    subscribe(ClocksChanged, follow_clocks, phase=IN_TRANSACTION)
    subscribe(TicketOpened, page_new_ticket, phase=IN_TRANSACTION)
    subscribe(TicketOpened, arm_first_climb, phase=IN_TRANSACTION)
    subscribe(TicketEscalated, climb_on_escalation, phase=IN_TRANSACTION)
    subscribe(TicketReopened, resume_climb_on_reopen, phase=IN_TRANSACTION)
    subscribe(PriorityChanged, page_raised_priority, phase=IN_TRANSACTION)
