"""How SLA clocks look on a page: colour, label and the most urgent clock of a ticket.

Colours: ``ok`` (green, running before the policy's warning point), ``warn`` (amber, at or
after ``warn_at``), ``breached`` (red: due instant passed, or recorded breached and not met
since), ``paused`` (grey: pending), ``done`` (met or cancelled). Computed from the ticket's
prefetched ``clocks`` at ``now``; nothing is written (the timer worker records breaches).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Prefetch, Q

from sladesk.tickets.clocks import ClockStatus
from sladesk.tickets.models import ClockState, Metric, SlaClock

from . import timefmt

__all__ = [
    "ClockBadge",
    "colour_of",
    "metric_label",
    "status_colour",
    "status_text",
    "urgent_badge",
    "urgent_clocks",
]

_LABELS = dict(Metric.choices)


def metric_label(metric: str) -> str:
    return str(_LABELS.get(metric, metric.replace("_", " ").capitalize()))


def colour_of(state: str, due_at: datetime | None, warn_at: datetime | None, met: bool, now: datetime) -> str:
    """The colour class of a clock in ``state`` at ``now`` (see module docstring)."""
    if state == ClockState.RUNNING:
        if due_at is not None and due_at <= now:
            return "breached"
        if warn_at is not None and warn_at <= now:
            return "warn"
        return "ok"
    if state == ClockState.PAUSED:
        return "paused"
    if state == ClockState.BREACHED:
        return "done" if met else "breached"
    return "done"


def status_colour(status: ClockStatus, now: datetime) -> str:
    """`colour_of` for a `ClockStatus` (``clock_statuses`` already reads past-due as breached)."""
    if status.state == ClockState.BREACHED:
        return "done" if status.met_at is not None else "breached"
    return colour_of(status.state, status.due_at, status.warn_at, False, now)


@dataclass(frozen=True)
class ClockBadge:
    """The one clock a list row shows: the soonest running one, else a breached or paused one."""

    metric: str
    label: str
    colour: str
    due_at: datetime | None
    warn_at: datetime | None
    text: str


def _rank(clock: SlaClock, now: datetime) -> tuple[int, datetime]:
    far = datetime.max.replace(tzinfo=now.tzinfo)
    if clock.state == ClockState.RUNNING and clock.due_at is not None:
        return (0, clock.due_at)
    if clock.state == ClockState.BREACHED and clock.met_at is None:
        return (1, clock.breached_at or far)
    if clock.state == ClockState.PAUSED:
        return (2, clock.started_at)
    return (9, far)


def urgent_clocks() -> Prefetch:
    """``prefetch_related`` of the clocks `urgent_badge` may pick, with the columns it reads:
    running, paused and breached-not-met ones (met and cancelled clocks, most of a mature
    desk's, are left out, and so are the pause history and the explanation). The ticket's
    ``clocks.all()`` is then that subset: for list rows only, never for a clock panel."""
    candidates = SlaClock.objects.filter(
        Q(state__in=(ClockState.RUNNING, ClockState.PAUSED)) | Q(state=ClockState.BREACHED, met_at__isnull=True)
    ).only(
        "ticket_id", "metric", "state", "started_at", "used", "target_work", "due_at", "warn_at", "met_at",
        "breached_at",
    )
    return Prefetch("clocks", queryset=candidates)


def urgent_badge(ticket: Any, now: datetime) -> ClockBadge | None:
    """The most urgent open clock of ``ticket`` (uses the prefetched ``clocks``)."""
    open_clocks = [c for c in ticket.clocks.all() if _rank(c, now)[0] < 9]
    if not open_clocks:
        return None
    clock = min(open_clocks, key=lambda c: _rank(c, now))
    colour = colour_of(clock.state, clock.due_at, clock.warn_at, clock.met_at is not None, now)
    if clock.state == ClockState.RUNNING and clock.due_at is not None:
        text = _due_text(clock.due_at, now)
    elif clock.state == ClockState.PAUSED:
        text = f"paused, {timefmt.span(max(clock.target_work - clock.used, timedelta(0)))} left"
    else:
        at = clock.breached_at
        text = f"breached {timefmt.relative(at, now)}" if at else "breached"
    return ClockBadge(clock.metric, metric_label(clock.metric), colour, clock.due_at, clock.warn_at, text)


def _due_text(due_at: datetime, now: datetime) -> str:
    if due_at <= now:
        return f"breached {timefmt.relative(due_at, now)}"
    return f"due {timefmt.relative(due_at, now)}"


def status_text(status: ClockStatus, now: datetime) -> str:
    """The short state words of a clock panel row (``due in 35 min``, ``paused``, ``met``)."""
    if status.state == ClockState.RUNNING and status.due_at is not None:
        return _due_text(status.due_at, now)
    if status.state == ClockState.BREACHED:
        at = status.breached_at
        late = " (met late)" if status.met_at else ""
        return (f"breached {timefmt.relative(at, now)}" if at else "breached") + late
    return str(dict(ClockState.choices).get(status.state, status.state)).lower()
