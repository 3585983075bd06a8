"""SLA clock arithmetic on `SlaClock` rows, driven by the ticket's policy snapshot.

This module changes clock rows *in memory* and reports each change as a `ClockChange`;
`sladesk.tickets.services` saves the rows and turns every change into a ``clock``
`TicketEvent` inside its transaction. Nothing here reads the clock: ``at``/``now`` are
parameters.

Semantics (``cal`` is the target's calendar; all intervals half-open ``[a, b)``):

- start: ``used = 0``, ``running_since = at``, ``due_at = cal.add(at, work)``.
- pause (pending): ``used += cal.elapsed(running_since, at)``; ``running_since`` and
  ``due_at`` become null.
- resume: ``running_since = at``; ``due_at = cal.add(at, work - used)`` (used time kept).
- re-target (priority change, policy re-target): new ``work`` (and calendar), same ``used``,
  ``due_at = cal.add(running_since, work - used)`` — the way Jira Service Management
  recalculates from the ticket's start; a target already exceeded is breached at its
  (past) due instant by the next refresh.
- meet: ``used += cal.elapsed(running_since, at)``; state met, ``met_at = at``. A clock
  that had breached stays breached and gets ``met_at`` (met late).
- breach (refresh): a running clock with ``due_at <= now`` becomes breached with
  ``breached_at = due_at`` — the instant the promise was broken, not when it was noticed.
- remaining at ``now`` = ``work - used - cal.elapsed(running_since, now)`` (running) or
  ``work - used`` (paused).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sladesk.core.policies import targets_for
from sladesk.sla.durations import format_timedelta
from sladesk.sla.explain import explain_target, format_instant

from .models import ClockState, SlaClock

if TYPE_CHECKING:
    from sladesk.sla import Policy, Target

    from .models import Ticket

__all__ = [
    "ClockChange",
    "ClockStatus",
    "breach_due",
    "cancel",
    "explain",
    "meet",
    "new_clock",
    "pause",
    "policy_of",
    "restart",
    "resume",
    "retarget",
    "status_of",
    "targets_of",
]

_ZERO = timedelta(0)


@dataclass
class ClockChange:
    """One state change of one clock, to be logged as a ``clock`` TicketEvent."""

    clock: SlaClock
    from_state: str | None
    to_state: str
    reason: str
    extra: dict[str, Any] = field(default_factory=dict)

    def event_data(self) -> dict[str, Any]:
        c = self.clock
        return {
            "metric": c.metric,
            "from": self.from_state,
            "to": self.to_state,
            "reason": self.reason,
            "due_at": c.due_at.isoformat() if c.due_at else None,
            "used_seconds": int(c.used.total_seconds()),
            "target_seconds": int(c.target_work.total_seconds()),
            "cycle": c.cycle,
            **self.extra,
        }


def policy_of(ticket: Ticket) -> Policy:
    """The policy the ticket runs under: its snapshot text, parsed once per digest."""
    return ticket.policy_version.policy  # type: ignore[no-any-return]


def targets_of(ticket: Ticket, priority: str | None = None) -> dict[str, Target]:
    """Metric -> Target for the ticket's (or the given) priority, plan and region.

    Memoised per policy digest, priority, plan and region (`sladesk.core.policies.targets_for`):
    the dict is shared by every caller with the same key, so do not mutate it."""
    return targets_for(policy_of(ticket), priority or ticket.priority, ticket.plan, ticket.region)


# ------------------------------------------------------------------------- transitions
def _shown(target: Target, at: datetime) -> str:
    zone = (target.display_calendar or target.calendar).zone
    return format_instant(at.astimezone(zone))


def _recompute(clock: SlaClock, target: Target) -> None:
    """``due_at`` and ``warn_at`` of a running clock from ``running_since`` and ``used``."""
    assert clock.running_since is not None
    cal = target.calendar
    clock.due_at = cal.add(clock.running_since, max(clock.target_work - clock.used, _ZERO))
    warn_work = clock.target_work * target.warn_at
    clock.warn_at = cal.add(clock.running_since, max(warn_work - clock.used, _ZERO))


def _apply_target(clock: SlaClock, target: Target) -> None:
    clock.target_work = target.work
    clock.target_text = target.text[:200]
    clock.calendar_name = target.calendar_name


def new_clock(ticket: Ticket, target: Target, at: datetime) -> ClockChange:
    """A running clock for ``target`` started at ``at`` (not saved)."""
    clock = SlaClock(ticket=ticket, metric=target.metric, started_at=at, running_since=at)
    _apply_target(clock, target)
    clock.state = ClockState.RUNNING
    _recompute(clock, target)
    clock.explanation = explain(clock, target)
    return ClockChange(clock, None, ClockState.RUNNING, "started")


def _bump(clock: SlaClock) -> None:
    clock.generation += 1


def pause(clock: SlaClock, target: Target, at: datetime, reason: str) -> ClockChange | None:
    """Stop counting a running clock (pending); used time is kept. No-op unless running."""
    if clock.state != ClockState.RUNNING or clock.running_since is None:
        return None
    clock.used += target.calendar.elapsed(clock.running_since, at)
    clock.running_since = None
    clock.due_at = None
    clock.warn_at = None
    clock.state = ClockState.PAUSED
    clock.pauses = [*clock.pauses, {"from": at.isoformat(), "to": None, "reason": reason}]
    _bump(clock)
    clock.explanation = explain(clock, target)
    return ClockChange(clock, ClockState.RUNNING, ClockState.PAUSED, reason)


def resume(clock: SlaClock, target: Target, at: datetime, reason: str) -> ClockChange | None:
    """Count again from ``at`` with the used time kept. No-op unless paused."""
    if clock.state != ClockState.PAUSED:
        return None
    pauses = list(clock.pauses)
    if pauses and pauses[-1].get("to") is None:
        pauses[-1] = {**pauses[-1], "to": at.isoformat()}
    clock.pauses = pauses
    clock.running_since = at
    clock.state = ClockState.RUNNING
    _recompute(clock, target)
    _bump(clock)
    clock.explanation = explain(clock, target)
    return ClockChange(clock, ClockState.PAUSED, ClockState.RUNNING, reason)


def meet(clock: SlaClock, target: Target | None, at: datetime, reason: str) -> ClockChange | None:
    """The promise is kept at ``at`` (or kept late, for a breached clock). No-op when stopped."""
    before = clock.state
    if before not in (ClockState.RUNNING, ClockState.PAUSED, ClockState.BREACHED):
        return None
    if before == ClockState.BREACHED and clock.met_at is not None:
        return None
    if clock.running_since is not None and target is not None:
        clock.used += target.calendar.elapsed(clock.running_since, at)
    clock.running_since = None
    clock.due_at = None
    clock.warn_at = None
    clock.met_at = at
    if before != ClockState.BREACHED:
        clock.state = ClockState.MET
    _bump(clock)
    clock.explanation = explain(clock, target, reason=reason)
    extra = {"late": before == ClockState.BREACHED}
    return ClockChange(clock, before, clock.state, reason, extra)


def cancel(clock: SlaClock, target: Target | None, at: datetime, reason: str) -> ClockChange | None:
    """No promise remains (ticket solved before a reply, metric gone after a re-target)."""
    before = clock.state
    if before not in (ClockState.RUNNING, ClockState.PAUSED):
        return None
    if clock.running_since is not None and target is not None:
        clock.used += target.calendar.elapsed(clock.running_since, at)
    clock.running_since = None
    clock.due_at = None
    clock.warn_at = None
    clock.state = ClockState.CANCELLED
    _bump(clock)
    clock.explanation = f"{clock.target_text}: cancelled {at.isoformat()} ({reason})"
    return ClockChange(clock, before, ClockState.CANCELLED, reason)


def restart(clock: SlaClock, target: Target, at: datetime, reason: str) -> ClockChange:
    """Begin a new cycle at ``at`` with nothing used (next_update after each agent update)."""
    before = clock.state
    clock.cycle += 1
    clock.started_at = at
    clock.running_since = at
    clock.used = _ZERO
    clock.met_at = None
    clock.breached_at = None
    clock.pauses = []
    clock.state = ClockState.RUNNING
    _apply_target(clock, target)
    _recompute(clock, target)
    _bump(clock)
    clock.explanation = explain(clock, target)
    return ClockChange(clock, before, ClockState.RUNNING, reason)


def reopen(clock: SlaClock, target: Target, at: datetime, reason: str) -> ClockChange | None:
    """A met clock counts again from ``at`` with its used time kept (ticket reopened)."""
    before = clock.state
    if before not in (ClockState.MET, ClockState.CANCELLED):
        return None
    clock.met_at = None
    clock.running_since = at
    clock.state = ClockState.RUNNING
    _apply_target(clock, target)
    _recompute(clock, target)
    _bump(clock)
    clock.explanation = explain(clock, target)
    return ClockChange(clock, before, ClockState.RUNNING, reason)


def retarget(clock: SlaClock, target: Target, at: datetime, reason: str) -> ClockChange | None:
    """New target for an open clock: same used time, due recomputed from ``running_since``."""
    if clock.state not in (ClockState.RUNNING, ClockState.PAUSED):
        return None
    old_due, old_work = clock.due_at, clock.target_work
    _apply_target(clock, target)
    if clock.state == ClockState.RUNNING:
        _recompute(clock, target)
    _bump(clock)
    clock.explanation = explain(clock, target)
    extra = {
        "previous_due_at": old_due.isoformat() if old_due else None,
        "previous_target_seconds": int(old_work.total_seconds()),
    }
    return ClockChange(clock, clock.state, clock.state, reason, extra)


def breach_due(clock: SlaClock, now: datetime) -> ClockChange | None:
    """Mark a running clock breached when its due instant is at or before ``now``."""
    if clock.state != ClockState.RUNNING or clock.due_at is None or clock.due_at > now:
        return None
    clock.breached_at = clock.due_at
    clock.breach_count += 1
    clock.due_at = None
    clock.warn_at = None
    clock.state = ClockState.BREACHED
    _bump(clock)
    clock.explanation = (
        f"{clock.target_text}: breached at {format_instant(clock.breached_at)}"
        f" ({format_timedelta(clock.target_work)} of working time used up)"
    )
    return ClockChange(
        clock,
        ClockState.RUNNING,
        ClockState.BREACHED,
        "target passed",
        {"breached_at": clock.breached_at.isoformat()},
    )


# ------------------------------------------------------------------------- explanation
def _pause_summary(clock: SlaClock, now: datetime | None = None) -> str:
    total = _ZERO
    for p in clock.pauses:
        start = datetime.fromisoformat(p["from"])
        end = datetime.fromisoformat(p["to"]) if p.get("to") else now
        if end is not None:
            total += end - start
    if total <= _ZERO:
        return ""
    reasons = sorted({p.get("reason", "pending") for p in clock.pauses})
    return f"paused {format_timedelta(total)} while {' / '.join(reasons)}"


def explain(clock: SlaClock, target: Target | None, *, reason: str = "") -> str:
    """The words behind a clock's state, from the policy's explanation plus pause history.

    E.g. ``4 business hours from Wed 25 Nov 16:30 PST: 30 min on Wed, Thu 26 Nov closed
    (Thanksgiving Day), 3 h 30 min on Fri → due Fri 27 Nov 12:30 PST`` for a fresh clock,
    or ``4 business hours: 1 h 30 min used, 2 h 30 min left from Mon 30 Nov 09:00 PST →
    due Mon 30 Nov 11:30 PST; paused 2 h 10 min while pending`` after a pause.
    """
    if target is None:
        return clock.explanation
    text = target.text
    work, used = clock.target_work, clock.used
    if clock.state == ClockState.RUNNING and clock.running_since is not None:
        if used == _ZERO and not clock.pauses:
            return explain_target(target, clock.running_since)
        assert clock.due_at is not None
        out = (
            f"{text}: {format_timedelta(used)} used, {format_timedelta(max(work - used, _ZERO))}"
            f" left from {_shown(target, clock.running_since)} → due {_shown(target, clock.due_at)}"
        )
    elif clock.state == ClockState.PAUSED:
        since = clock.pauses[-1]["from"] if clock.pauses else None
        out = f"{text}: paused" + (
            f" since {_shown(target, datetime.fromisoformat(since))}" if since else ""
        )
        out += f"; {format_timedelta(used)} used, {format_timedelta(max(work - used, _ZERO))} left"
    elif clock.met_at is not None:
        late = " (late: it had breached)" if clock.state == ClockState.BREACHED else ""
        out = (
            f"{text}: met {_shown(target, clock.met_at)}{late}"
            + (f" by {reason}" if reason else "")
            + f" with {format_timedelta(used)} of {format_timedelta(work)} used"
        )
    else:
        out = clock.explanation or text
    summary = _pause_summary(clock)
    return f"{out}; {summary}" if summary else out


# ------------------------------------------------------------------------- reading
@dataclass(frozen=True)
class ClockStatus:
    """A clock as seen at ``now`` (computed on read; the row may not be refreshed yet).

    ``state`` is ``breached`` for a running clock whose due instant has passed.
    ``remaining`` is working time left (negative past due); None when stopped.
    """

    metric: str
    state: str
    due_at: datetime | None
    warn_at: datetime | None
    remaining: timedelta | None
    used: timedelta
    target_work: timedelta
    calendar_name: str
    met_at: datetime | None
    breached_at: datetime | None
    cycle: int
    explanation: str
    business: bool = True  # counts business time (False: calendar time, 24x7)
    internal: bool = False  # the policy keeps this clock from customers (`internal_clocks`)

    @property
    def overrun(self) -> timedelta:
        """Working time used past the target (zero while within it)."""
        return max(self.used - self.target_work, timedelta(0))

    @property
    def remaining_seconds(self) -> int | None:
        return None if self.remaining is None else int(self.remaining.total_seconds())


def status_of(clock: SlaClock, target: Target | None, now: datetime) -> ClockStatus:
    """The clock's live state at ``now``: used, remaining, breached-if-past-due.

    A breached clock reads ``used = target + overrun``: the overrun is the working time
    from the breach to ``now`` (to ``met_at`` once met late), on the target's calendar.
    """
    state, used, remaining = clock.state, clock.used, None
    breached_at = clock.breached_at
    explanation = clock.explanation
    if clock.state == ClockState.RUNNING and clock.running_since is not None and target:
        used = clock.used + target.calendar.elapsed(clock.running_since, now)
        remaining = clock.target_work - used
        if clock.due_at is not None and clock.due_at <= now:
            state, breached_at = ClockState.BREACHED, clock.due_at
    elif clock.state == ClockState.PAUSED:
        remaining = clock.target_work - clock.used
    elif clock.state == ClockState.BREACHED and breached_at is not None and target:
        end = clock.met_at or now
        used = clock.target_work + target.calendar.elapsed(breached_at, max(end, breached_at))
    if state == ClockState.BREACHED:
        over = format_timedelta(max(used - clock.target_work, _ZERO))
        late = f"met {over} late" if clock.met_at else f"breached, {over} over the target"
        explanation = f"{clock.target_text}: {late}"
    due_at = clock.due_at
    if due_at is not None and target is not None:
        due_at = due_at.astimezone((target.display_calendar or target.calendar).zone)
    if clock.state == ClockState.PAUSED:
        summary = _pause_summary(clock, now)
        base = explanation.split("; paused ")[0]
        explanation = f"{base}; {summary}" if summary else base
    return ClockStatus(
        metric=clock.metric,
        state=state,
        due_at=due_at,
        warn_at=clock.warn_at,
        remaining=remaining,
        used=used,
        target_work=clock.target_work,
        calendar_name=clock.calendar_name,
        met_at=clock.met_at,
        breached_at=breached_at,
        cycle=clock.cycle,
        explanation=explanation,
        business=target.business if target is not None else True,
        internal=target.internal if target is not None else False,
    )
