"""What happens at a clock's moment (a warning or a breach), from the ticket's policy.

The ticket's policy snapshot decides (`sladesk.sla.Policy.actions_at`, docs/policy.md
``actions:``); by default, for every policy that says nothing else:

=========  ===============================================================================
moment     actions
=========  ===============================================================================
warning    notify the assignee (e-mail) and the team (Slack, signed webhook, Apprise) — at
           ``policy.warn_at`` of the target (default 75 %)
breach     notify the assignee, the team and the organization's account team (TAM / CSM);
           a target with ``page_on_breach`` (freistilbox dispatch) also pages on-call
=========  ===============================================================================

A policy adds: ``page`` on-call, ``raise_priority``, ``add_tag``, ``escalate`` (the next
rung of its ladder: Houseware at a missed response), or other audiences to notify.

``notify`` writes its outbox rows (key ``timer:<id>:<generation>:<kind>:<channel>:<to>``)
and one ``notify`` ticket event naming the recipients, or saying that none is configured.
The other actions change the ticket through its services (`sladesk.notify.policy_actions`)
and each writes an ``action`` event with its outcome; each runs once per timer generation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sladesk.core.policies import targets_for
from sladesk.tickets import clocks, events
from sladesk.tickets.models import SlaClock, Ticket, TicketEvent

from .models import OutboxMessage, Timer, TimerKind
from .outbox import enqueue, ticket_rows
from .policy_actions import PendingAction, run_actions
from .recipients import Recipient, account_teams, assignee, team

__all__ = ["actions_at", "clock_moment", "clock_moments", "unique"]


def unique(recipients: list[Recipient]) -> list[Recipient]:
    """Recipients without repeats (the assignee may also be on the account team)."""
    seen: dict[tuple[str, str], Recipient] = {}
    for r in recipients:
        seen.setdefault((r.channel, r.destination), r)
    return list(seen.values())


def _texts(ticket: Ticket, clock: SlaClock, kind: str) -> tuple[str, str]:
    metric = clock.metric.replace("_", " ")
    if kind == TimerKind.WARNING:
        due = clock.due_at.isoformat(timespec="minutes") if clock.due_at else "soon"
        summary = f"{ticket.priority} ticket #{ticket.pk}: {metric} due {due}"
    else:
        summary = f"{ticket.priority} ticket #{ticket.pk} breached {metric}"
    return summary, f"{ticket.subject}\n{clock.explanation}"


def clock_moment(
    ticket: Ticket, clock: SlaClock, timer: Timer, moment: datetime, late: bool
) -> None:
    """Queue the notifications of a fired warning or breach and log them on the ticket."""
    clock_moments([(ticket, clock, timer, late)], moment)


def actions_at(ticket: Ticket, clock: SlaClock, kind: str) -> tuple[Any, ...]:
    """The policy's actions (`sladesk.sla.MomentAction`) at ``kind`` of ``clock``."""
    policy = clocks.policy_of(ticket)
    page_on_breach = False
    if kind == TimerKind.BREACH:
        plan, region = ticket.plan or None, ticket.region or None
        target = targets_for(policy, ticket.priority, plan, region).get(clock.metric)
        page_on_breach = target is not None and target.page_on_breach
    return policy.actions_at(  # type: ignore[no-any-return]
        kind,
        clock.metric,
        ticket.priority,
        ticket.plan or None,
        ticket.region or None,
        page_on_breach=page_on_breach,
    )


def clock_moments(
    fired: Sequence[tuple[Ticket, SlaClock, Timer, bool]],
    moment: datetime,
    *,
    clock_events: Sequence[TicketEvent] = (),
) -> None:
    """`clock_moment` for a batch of fired timers (ticket, clock, timer, late): the account
    teams are read in one query, the outbox rows and the events (``clock_events`` first,
    e.g. the breaches just recorded) written in one insert each; the other actions (page,
    raise priority, add tag, escalate) then run one by one through the ticket services."""
    planned = [
        (ticket, clock, timer, late, actions_at(ticket, clock, timer.kind))
        for ticket, clock, timer, late in fired
    ]
    orgs = {
        t.organization_id
        for t, _, _, _, acts in planned
        if any("account_team" in a.audience for a in acts)
    }
    accounts = account_teams(orgs)
    rows: list[OutboxMessage] = []
    entries = list(clock_events)
    later: list[PendingAction] = []
    for ticket, clock, timer, late, acts in planned:
        later += [PendingAction(ticket, clock, timer, late, a) for a in acts if a.kind != "notify"]
        audience = next((a.audience for a in acts if a.kind == "notify"), ())
        if not audience:
            continue
        recipients: list[Recipient] = []
        if "assignee" in audience:
            recipients += assignee(ticket)
        if "team" in audience:
            recipients += team(ticket)
        if "account_team" in audience:
            recipients += accounts.get(ticket.organization_id, [])
        recipients = unique(recipients)
        breach = timer.kind == TimerKind.BREACH
        summary, body = _texts(ticket, clock, timer.kind)
        rows += ticket_rows(
            ticket.pk,
            recipients,
            base=f"timer:{timer.pk}:{timer.generation}:{timer.kind}",
            purpose=timer.kind,
            summary=summary,
            body=body,
            severity="error" if breach else "warning",
            extra={
                "policy": ticket.policy_name,
                "clock": clock.metric,
                "moment": timer.kind,
                "fire_at": timer.fire_at.isoformat(),
                "late": late,
            },
            at=moment,
        )
        entries.append(
            events.notify(
                ticket.pk,
                moment,
                action=timer.kind,
                metric=clock.metric,
                timer=timer.pk,
                late=late,
                outcome="queued" if recipients else "no recipient configured",
                to=[r.label for r in recipients],
            )
        )
    enqueue(rows)
    events.write(entries)
    if later:
        run_actions(later, moment)
