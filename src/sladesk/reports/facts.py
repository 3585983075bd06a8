"""The report fact of one clock (`ClockFact` values), and why a breached clock breached.

Semantics: see `sladesk.reports.models.ClockFact`. Durations are read from the clock row
as `sladesk.tickets.clocks` keeps it: a met clock's ``used`` is its working time at
``met_at``; a breached clock met late used its target plus the working time from
``breached_at`` to ``met_at`` in the target's calendar (`status_of`'s rule).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sladesk.tickets import clocks as clock_rules
from sladesk.tickets.models import ClockState, EventKind, Metric, SlaClock, Ticket, TicketEvent

__all__ = ["FACT_FIELDS", "breach_reason", "fact_values", "paused_seconds"]

FACT_FIELDS = (
    "ticket_id",
    "organization_id",
    "plan",
    "priority",
    "team_id",
    "metric",
    "opened_at",
    "state",
    "breached_at",
    "met_at",
    "used_seconds",
    "wall_seconds",
    "paused_seconds",
    "target_seconds",
    "business",
)


def paused_seconds(pauses: list[dict[str, Any]]) -> int:
    """Calendar seconds in the closed pauses ``[from, to)`` of a clock."""
    total = 0.0
    for p in pauses or ():
        if p.get("to"):
            total += (
                datetime.fromisoformat(p["to"]) - datetime.fromisoformat(p["from"])
            ).total_seconds()
    return int(total)


def fact_values(clock: SlaClock, ticket: Ticket) -> dict[str, Any]:
    """The `ClockFact` field values of ``clock`` (of ``ticket``) as it is now."""
    used: int | None = None
    wall: int | None = None
    target = clock_rules.targets_of(ticket).get(clock.metric) if clock.met_at else None
    if clock.met_at is not None:
        if clock.state == ClockState.MET:
            used = int(clock.used.total_seconds())
        elif clock.state == ClockState.BREACHED and clock.breached_at is not None:
            over = (
                target.calendar.elapsed(clock.breached_at, max(clock.met_at, clock.breached_at))
                if target is not None and target.calendar_name == clock.calendar_name
                else clock.met_at - clock.breached_at
            )
            used = int((clock.target_work + over).total_seconds())
        if used is not None:
            wall = int((clock.met_at - clock.started_at).total_seconds())
    business = target.business if target is not None else "24" not in clock.calendar_name
    return {
        "ticket_id": ticket.pk,
        "organization_id": ticket.organization_id,
        "plan": ticket.plan or "",
        "priority": ticket.priority,
        "team_id": ticket.team_id or 0,
        "metric": clock.metric,
        "opened_at": ticket.created_at,
        "state": clock.state,
        "breached_at": clock.breached_at,
        "met_at": clock.met_at,
        "used_seconds": used,
        "wall_seconds": wall,
        "paused_seconds": paused_seconds(clock.pauses),
        "target_seconds": int(clock.target_work.total_seconds()),
        "business": bool(business),
    }


def breach_reason(clock: SlaClock, events: list[TicketEvent]) -> str:
    """Why ``clock`` breached, from its ``clock`` events (``events``: the ticket's, in order).

    The first that applies of: ``re-targeted by a priority change`` (a priority re-target
    in the breached cycle moved the due instant earlier), ``reopened`` (the ticket was
    reopened in the cycle), ``paused`` (the clock was paused in the cycle and breached
    after resuming), then by metric ``late first reply``, ``dispatched late``,
    ``late update``, ``late resolution``.
    """
    mine = [
        e
        for e in events
        if e.kind == EventKind.CLOCK
        and e.data.get("metric") == clock.metric
        and int(e.data.get("cycle") or 1) == clock.cycle
    ]
    for e in mine:
        d = e.data
        if d.get("previous_target_seconds") is not None and str(d.get("reason", "")).startswith(
            "priority"
        ):
            before = d.get("previous_due_at")
            if before is None or (d.get("due_at") and d["due_at"] < before):
                return "re-targeted by a priority change"
    if any(
        e.data.get("from") in (ClockState.MET, ClockState.CANCELLED)
        and e.data.get("to") == ClockState.RUNNING
        for e in mine
    ):
        return "reopened"
    if clock.pauses:
        return "paused"
    return {
        Metric.FIRST_RESPONSE: "late first reply",
        Metric.DISPATCH: "dispatched late",
        Metric.NEXT_UPDATE: "late update",
        Metric.RESOLUTION: "late resolution",
    }.get(clock.metric, "target passed")
