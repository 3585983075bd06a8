"""Durable timers: scheduling them with the clocks, firing them exactly once.

**Scheduling** (`sync_clock_timers`, called by `sladesk.tickets.services` in the
transaction that saves a clock). For each clock, at most one timer per kind:

====================  ===================================================================
clock state            timers
====================  ===================================================================
running                ``breach`` pending at ``due_at``; ``warning`` pending at
                       ``warn_at`` (when before ``due_at``) unless already fired this cycle
paused                 pending timers cancelled (resume schedules them again)
breached, not met      ``breach`` pending at ``breached_at`` unless fired this cycle (a
                       service noticed the breach first: the notifications are still owed)
met / cancelled        pending timers cancelled; the clock's open pages are resolved
====================  ===================================================================

Every scheduled timer carries the clock's ``generation`` and ``cycle``.

**Firing** (`fire_due`, the timer worker). One transaction per batch: due timers
(``state = pending AND fire_at <= now``, the database's clock) in ``fire_at`` order,
``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite: ``BEGIN IMMEDIATE``, one worker). Each
timer fires in a savepoint: its ticket is locked with ``SKIP LOCKED`` (a ticket another
transaction is changing is left for the next pass, so a service waiting for the timer row
cannot deadlock with us), the timer row is re-read, its generation compared with the
clock's (stale: cancelled and re-planned from the clock), a due breach is recorded through
`sladesk.tickets.services.refresh_clocks`, the timer is marked fired (``late`` when more
than ``late_after`` seconds behind) and the actions of `sladesk.notify.actions` insert
their outbox rows and ticket events. Nothing leaves the database here; a timer fired
twice (it cannot be: it is pending, locked, and fired in one transaction) would still
insert no outbox row twice, because their keys are ``timer:<id>:<generation>:<kind>:...``.
A timer whose firing raises stays pending and is retried on the next pass (logged).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models.functions import Now

from sladesk.core import clock as core_clock
from sladesk.tickets.models import ClockState, SlaClock, Ticket

from .conf import conf
from .dbclock import db_now, skip_locked
from .models import Timer, TimerKind, TimerState

__all__ = ["fire_due", "next_due_in", "sync_clock_timers"]

logger = logging.getLogger(__name__)

_KEEP = object()
_FIELDS = ["state", "fire_at", "generation", "cycle", "late", "fired_at", "updated_at"]


def _fired_this_cycle(clock: SlaClock, timer: Timer | None) -> bool:
    return timer is not None and timer.state == TimerState.FIRED and timer.cycle == clock.cycle


def _plan(clock: SlaClock, kind: str, timer: Timer | None) -> Any:
    """When ``kind`` should fire for ``clock``: an instant, None (no timer) or `_KEEP`."""
    if kind == TimerKind.BREACH:
        if clock.state == ClockState.RUNNING and clock.due_at is not None:
            return clock.due_at
        if clock.state == ClockState.BREACHED and clock.met_at is None and clock.breached_at:
            return _KEEP if _fired_this_cycle(clock, timer) else clock.breached_at
        return None
    running = clock.state == ClockState.RUNNING and clock.due_at is not None
    if running and clock.warn_at is not None and clock.warn_at < clock.due_at:  # type: ignore[operator]
        return _KEEP if _fired_this_cycle(clock, timer) else clock.warn_at
    return None


def sync_clock_timers(clocks: Iterable[SlaClock]) -> None:
    """Move, create or cancel the timers of ``clocks`` (saved rows) to match their state.

    Call it inside the transaction that saved the clocks. Idempotent. Clocks that are now
    met or cancelled also resolve their open pages (`sladesk.notify.pages.resolve_pages`).
    """
    saved = list({c.pk: c for c in clocks if c.pk is not None}.values())
    if not saved:
        return
    now = core_clock.now()
    existing = {
        (t.clock_id, t.kind): t for t in Timer.objects.filter(clock_id__in=[c.pk for c in saved])
    }
    create: list[Timer] = []
    update: list[Timer] = []
    for clock in saved:
        for kind in (TimerKind.WARNING, TimerKind.BREACH):
            timer = existing.get((clock.pk, kind))
            when = _plan(clock, kind, timer)
            if when is _KEEP:
                continue
            if when is None:
                if timer is not None and timer.state == TimerState.PENDING:
                    timer.state, timer.updated_at = TimerState.CANCELLED, now
                    update.append(timer)
                continue
            if timer is None:
                create.append(
                    Timer(
                        ticket_id=clock.ticket_id,
                        clock=clock,
                        kind=kind,
                        fire_at=when,
                        generation=clock.generation,
                        cycle=clock.cycle,
                        created_at=now,
                        updated_at=now,
                    )
                )
                continue
            wanted = (TimerState.PENDING, when, clock.generation, clock.cycle)
            if (timer.state, timer.fire_at, timer.generation, timer.cycle) != wanted:
                timer.state, timer.fire_at, timer.generation, timer.cycle = wanted
                timer.late, timer.fired_at, timer.updated_at = False, None, now
                update.append(timer)
    if create:
        Timer.objects.bulk_create(create)
    if update:
        Timer.objects.bulk_update(update, _FIELDS)
    closed = [c.pk for c in saved if c.state in (ClockState.MET, ClockState.CANCELLED) or c.met_at]
    if closed:
        from .pages import resolve_pages

        resolve_pages(closed, now)


def _cancel(timer: Timer, moment: datetime) -> None:
    Timer.objects.filter(pk=timer.pk).update(state=TimerState.CANCELLED, updated_at=moment)


def _fire(timer: Timer, moment: datetime, late_after: float) -> bool:
    """Fire one claimed timer inside the caller's transaction.

    True when the timer is done with (fired, or cancelled as stale); False when it was left
    pending for a later pass (its ticket is locked by another transaction).
    """
    from sladesk.tickets import services

    from . import actions, pages

    tickets = Ticket.objects.select_for_update(skip_locked=skip_locked(), of=("self",))
    tickets = tickets.select_related("policy_version", "team", "assignee")
    ticket = tickets.filter(pk=timer.ticket_id).first()
    if ticket is None:  # another transaction is changing this ticket: next pass
        return False
    timer.refresh_from_db()
    if timer.state != TimerState.PENDING:
        return False
    late = (moment - timer.fire_at).total_seconds() > late_after
    if timer.kind == TimerKind.PAGE_REPEAT:
        return pages.repeat_page(timer, ticket, moment, late)
    clock = SlaClock.objects.get(pk=timer.clock_id)
    if clock.generation != timer.generation:
        logger.info("timer %s is stale (generation %s, clock %s)", timer.pk, timer.generation, clock.generation)
        _cancel(timer, moment)
        sync_clock_timers([clock])
        return True
    if timer.kind == TimerKind.BREACH and clock.state == ClockState.RUNNING:
        breached = {c.pk: c for c in services.refresh_clocks(ticket, moment)}
        clock = breached.get(clock.pk, clock)
    due = (
        clock.state == ClockState.BREACHED and clock.met_at is None
        if timer.kind == TimerKind.BREACH
        else clock.state == ClockState.RUNNING and clock.warn_at is not None and clock.warn_at <= moment
    )
    if not due:
        _cancel(timer, moment)
        sync_clock_timers([clock])
        return True
    Timer.objects.filter(pk=timer.pk).update(
        state=TimerState.FIRED,
        fired_at=moment,
        late=late,
        generation=clock.generation,
        cycle=clock.cycle,
        updated_at=moment,
    )
    actions.clock_moment(ticket, clock, timer, moment, late)
    return True


def fire_due(*, limit: int | None = None, now: datetime | None = None) -> int:
    """Fire the due timers, oldest first, at most ``limit``; returns how many were handled
    (fired or cancelled as stale; not those skipped or failed, which stay pending).

    ``now`` replaces the database clock (tests with a frozen clock only).
    """
    cfg = conf()
    with transaction.atomic():
        moment = now or db_now()
        query = Timer.objects.filter(state=TimerState.PENDING, fire_at__lte=now or Now())
        query = query.order_by("fire_at", "id")
        if skip_locked():
            query = query.select_for_update(skip_locked=True)
        handled = 0
        for timer in query[: limit or cfg.timer_batch]:
            try:
                with transaction.atomic():
                    handled += _fire(timer, moment, cfg.late_after)
            except Exception:
                logger.exception("timer %s could not fire; it stays pending", timer.pk)
    return handled


def next_due_in(now: datetime | None = None) -> float | None:
    """Seconds until the earliest pending timer (0 if overdue), None if there is none."""
    moment = now or db_now()
    first = (
        Timer.objects.filter(state=TimerState.PENDING)
        .order_by("fire_at")
        .values_list("fire_at", flat=True)
        .first()
    )
    return None if first is None else max(0.0, (first - moment).total_seconds())


def overdue_age(now: datetime | None = None) -> timedelta:
    """How long the oldest overdue pending timer has been waiting (zero if none)."""
    moment = now or db_now()
    first = (
        Timer.objects.filter(state=TimerState.PENDING, fire_at__lte=moment)
        .order_by("fire_at")
        .values_list("fire_at", flat=True)
        .first()
    )
    return timedelta(0) if first is None else moment - first
