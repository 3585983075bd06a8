"""What happens at a clock's moment, from the ticket's policy (issue 4, item 2).

=========  ===============================================================================
moment     actions
=========  ===============================================================================
warning    notify the assignee (e-mail) and the team (Slack) — at ``policy.warn_at`` of the
           target (default 75 %)
breach     notify the assignee, the team and the organization's account team (TAM / CSM);
           a target with ``page_on_breach`` (freistilbox dispatch) also pages on-call
=========  ===============================================================================

Each action writes its outbox rows (key ``timer:<id>:<generation>:<kind>:<channel>:<to>``)
and one ``notify`` ticket event naming the recipients, or saying that none is configured.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sladesk.tickets import clocks
from sladesk.tickets.models import EventKind, SlaClock, Ticket, TicketEvent

from . import Notification
from .events import event, write_events
from .links import ticket_url
from .models import OutboxMessage, Timer, TimerKind
from .outbox import enqueue, message
from .pages import page_oncall
from .recipients import Recipient, account_teams, assignee, team

__all__ = ["clock_moment", "clock_moments", "unique"]


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


def clock_moments(
    fired: Sequence[tuple[Ticket, SlaClock, Timer, bool]],
    moment: datetime,
    *,
    clock_events: Sequence[TicketEvent] = (),
) -> None:
    """`clock_moment` for a batch of fired timers (ticket, clock, timer, late): the account
    teams are read in one query, the outbox rows and the events (``clock_events`` first,
    e.g. the breaches just recorded) written in one insert each; pages one by one."""
    orgs = {t.organization_id for t, _, timer, _ in fired if timer.kind == TimerKind.BREACH}
    accounts = account_teams(orgs)
    rows: list[OutboxMessage] = []
    events = list(clock_events)
    to_page = []
    for ticket, clock, timer, late in fired:
        breach = timer.kind == TimerKind.BREACH
        recipients = assignee(ticket) + team(ticket)
        if breach:
            recipients += accounts.get(ticket.organization_id, [])
        recipients = unique(recipients)
        summary, body = _texts(ticket, clock, timer.kind)
        base = f"timer:{timer.pk}:{timer.generation}:{timer.kind}"
        queued = 0
        for r in recipients:
            key = f"{base}:{r.channel}:{r.destination}"
            notification = Notification(
                idempotency_key=key,
                channel=r.channel,  # type: ignore[arg-type]
                summary=summary,
                body=body,
                severity="error" if breach else "warning",
                ticket_ref=f"#{ticket.pk}",
                ticket_url=ticket_url(ticket.pk),
                extra={
                    "policy": ticket.policy_name,
                    "clock": clock.metric,
                    "moment": timer.kind,
                    "fire_at": timer.fire_at.isoformat(),
                    "late": late,
                },
            )
            rows.append(
                message(
                    notification, r, key=key, purpose=timer.kind, at=moment, ticket_id=ticket.pk
                )
            )
            queued += 1
        events.append(
            event(
                ticket.pk,
                EventKind.NOTIFY,
                moment,
                action=timer.kind,
                metric=clock.metric,
                timer=timer.pk,
                late=late,
                outcome="queued" if queued else "no recipient configured",
                to=[r.label for r in recipients],
            )
        )
        target = clocks.targets_of(ticket).get(clock.metric) if breach else None
        if target is not None and target.page_on_breach:
            to_page.append((ticket, clock, target))
    enqueue(rows)
    write_events(events)
    for ticket, clock, target in to_page:
        page_oncall(
            ticket,
            f"{clock.metric.replace('_', ' ')} target missed ({target.text})",
            clock=clock,
            now=moment,
        )
