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
    "CustomerClock",
    "colour_of",
    "customer_clocks",
    "metric_label",
    "status_colour",
    "status_text",
    "urgent_badge",
    "urgent_clocks",
]

_LABELS = dict(Metric.choices)


def metric_label(metric: str) -> str:
    return str(_LABELS.get(metric, metric.replace("_", " ").capitalize()))


def colour_of(
    state: str, due_at: datetime | None, warn_at: datetime | None, met: bool, now: datetime
) -> str:
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
    """The one clock a list row shows: the ticket's most urgent state — a breached clock
    first (red, which clock, "breached 12 min ago"), then one past its warning point, then
    the next one due, then a paused one."""

    metric: str
    label: str
    colour: str
    due_at: datetime | None
    warn_at: datetime | None
    text: str


def _rank(clock: SlaClock, now: datetime) -> tuple[int, datetime]:
    """Sort key of the badge: breached (earliest breach first), warning, running (soonest
    due first), paused; 9 for stopped clocks, which never show."""
    far = datetime.max.replace(tzinfo=now.tzinfo)
    if clock.state == ClockState.RUNNING and clock.due_at is not None:
        if clock.due_at <= now:
            return (0, clock.due_at)
        if clock.warn_at is not None and clock.warn_at <= now:
            return (1, clock.due_at)
        return (2, clock.due_at)
    if clock.state == ClockState.BREACHED and clock.met_at is None:
        return (0, clock.breached_at or far)
    if clock.state == ClockState.PAUSED:
        return (3, clock.started_at)
    return (9, far)


def urgent_clocks() -> Prefetch:
    """``prefetch_related`` of the clocks `urgent_badge` may pick, with the columns it reads:
    running, paused and breached-not-met ones (met and cancelled clocks, most of a mature
    desk's, are left out, and so are the pause history and the explanation). The ticket's
    ``clocks.all()`` is then that subset: for list rows only, never for a clock panel."""
    candidates = SlaClock.objects.filter(
        Q(state__in=(ClockState.RUNNING, ClockState.PAUSED))
        | Q(state=ClockState.BREACHED, met_at__isnull=True)
    ).only(
        "ticket_id",
        "metric",
        "state",
        "started_at",
        "used",
        "target_work",
        "due_at",
        "warn_at",
        "met_at",
        "breached_at",
    )
    return Prefetch("clocks", queryset=candidates)


def urgent_badge(
    ticket: Any, now: datetime, hidden: frozenset[str] = frozenset()
) -> ClockBadge | None:
    """The most urgent open clock of ``ticket`` (uses the prefetched ``clocks``), leaving
    out the metrics in ``hidden`` (a customer's view: the policy's ``internal_clocks``)."""
    open_clocks = [
        c for c in ticket.clocks.all() if _rank(c, now)[0] < 9 and c.metric not in hidden
    ]
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
    return ClockBadge(
        clock.metric, metric_label(clock.metric), colour, clock.due_at, clock.warn_at, text
    )


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


# ------------------------------------------------------------------ the customer's view
#: What a customer reads for each promise: (label, running, late, kept, paused).
_CUSTOMER_WORDS: dict[str, tuple[str, str, str, str, str]] = {
    "first_response": (
        "Our first reply",
        "We will reply by",
        "Our reply is late; we are on it",
        "Replied",
        "Waiting for your reply",
    ),
    "next_update": (
        "Our next update",
        "We will update you by",
        "Our update is late; we are on it",
        "Updated",
        "Waiting for your reply",
    ),
    "resolution": (
        "Resolution",
        "We aim to resolve this by",
        "Resolution is taking longer than promised; we are on it",
        "Resolved",
        "On hold while we wait for your reply",
    ),
    "dispatch": (
        "Assignment",
        "An engineer takes this on by",
        "Assignment is late; we are on it",
        "Assigned",
        "Waiting for your reply",
    ),
}


@dataclass(frozen=True)
class CustomerClock:
    """A promise as a customer reads it: no internal clocks, no desk words ("cancelled",
    "met late", "breached"). ``due_at`` is set while the promise runs: the page shows
    ``text`` followed by that instant in the customer's zone."""

    metric: str
    label: str
    text: str
    colour: str
    due_at: datetime | None


def customer_clocks(statuses: list[ClockStatus], now: datetime) -> list[CustomerClock]:
    """The customer's view of a ticket's clock statuses: internal and cancelled clocks left
    out, each other one in plain words."""
    out = []
    for s in statuses:
        if s.internal or s.state == ClockState.CANCELLED:
            continue
        label, running, late, kept, paused = _CUSTOMER_WORDS.get(
            s.metric, (metric_label(s.metric), "Due by", "Late; we are on it", "Done", "Paused")
        )
        due_at = None
        if s.state == ClockState.RUNNING and s.due_at is not None:
            text, colour, due_at = (
                running,
                colour_of(s.state, s.due_at, s.warn_at, False, now),
                s.due_at,
            )
        elif s.state == ClockState.PAUSED:
            text, colour = paused, "paused"
        elif s.met_at is not None or s.state == ClockState.MET:
            text, colour = kept, "done"
        else:  # breached, not met
            text, colour = late, "breached"
        out.append(CustomerClock(s.metric, label, text, colour, due_at))
    return out
