"""Durable timers: scheduling them with the clocks, firing them exactly once.

**Scheduling** (`sync_clock_timers`, the reaction to `ClocksChanged`, which the ticket
services announce in the transaction that saves a clock: `sladesk.notify.reactions`). For
each clock, at most one timer per kind:

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
(``state = pending AND fire_at <= now``, the database's clock) in ``fire_at`` order, claimed
in one query, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite: ``BEGIN IMMEDIATE``, one
worker). `_fire_batch` fires the clock timers of the batch together in one savepoint: their
tickets locked with ``SKIP LOCKED`` in one query (a ticket another transaction is changing
is left for the next pass, so a service waiting for a timer row cannot deadlock with us),
their clocks loaded in one query, each timer's generation compared with its clock's
(stale: cancelled and re-planned from the clock), the due breaches recorded by the ticket
layer (`sladesk.tickets.services.breach_due_clocks`), the timer marked fired (``late`` when
more than ``late_after`` seconds behind) and the moment's notifications and policy actions
queued (`sladesk.notify.moments`) — every write one statement
for the batch. Page repeats, and every timer of a batch whose firing raised, go through
`_fire`, one savepoint per timer, and so do escalation timers (a rung's ``after:``:
`sladesk.notify.escalations.climb`): a timer whose firing raises stays pending and is
retried on the next pass (logged). Nothing leaves the database here; a timer fired twice (it
cannot be: it is pending, locked, and fired in one transaction) would still insert no
outbox row twice, because their keys are ``timer:<id>:<generation>:<kind>:...``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models.functions import Now

from sladesk.core import time as core_time
from sladesk.core.bulk import update_rows
from sladesk.core.database import db_now, skip_locked, write_transaction
from sladesk.core.inserts import insert_new
from sladesk.tickets import services
from sladesk.tickets.models import ClockState, SlaClock, Ticket, TicketEvent

from . import escalations, moments, pages
from .conf import conf
from .models import Timer, TimerKind, TimerState

__all__ = ["fire_due", "next_due_in", "register_timer_kind", "sync_clock_timers"]

TimerFire = Callable[[Timer, Ticket, datetime, bool], bool]
_kinds: dict[str, TimerFire] = {}


def register_timer_kind(kind: str, fire: TimerFire) -> None:
    """Fire timers of ``kind`` with ``fire(timer, ticket, moment, late)`` (an app above
    notify, e.g. `sladesk.oncall`'s escalation steps, registers in ``ready()``). Such timers
    have no clock; they are claimed, locked and fired one by one like page repeats, in the
    worker's transaction with their ticket locked; ``fire`` returns True when done with
    the timer (fired, re-armed or cancelled), False to leave it pending."""
    _kinds[kind] = fire


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


def sync_clock_timers(clocks: Iterable[SlaClock], *, new: bool = False) -> None:
    """Move, create or cancel the timers of ``clocks`` (saved rows) to match their state.

    Call it inside the transaction that saved the clocks. Idempotent. Clocks that are now
    met or cancelled also resolve their open pages (`sladesk.notify.pages.resolve_pages`).
    ``new``: the clocks were inserted in this transaction, so they have no timers yet and
    none are looked up (`open_ticket`); the timers written are the same.
    """
    saved = list({c.pk: c for c in clocks if c.pk is not None}.values())
    if not saved:
        return
    now = core_time.now()
    existing = (
        {}
        if new
        else {
            (t.clock_id, t.kind): t
            for t in Timer.objects.filter(clock_id__in=[c.pk for c in saved])
        }
    )
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
        insert_new(create)
    update_rows(Timer, update, _FIELDS)
    closed = [c.pk for c in saved if c.state in (ClockState.MET, ClockState.CANCELLED) or c.met_at]
    if closed:
        pages.resolve_pages(closed, now)


def _cancel(timer: Timer, moment: datetime) -> None:
    Timer.objects.filter(pk=timer.pk).update(state=TimerState.CANCELLED, updated_at=moment)


def _due(timer: Timer, clock: SlaClock, moment: datetime) -> bool:
    """Whether ``timer``'s moment has come for ``clock`` as it is now: a breach timer while
    the clock is breached and not met, a warning while it runs past its warning point."""
    if timer.kind == TimerKind.BREACH:
        return clock.state == ClockState.BREACHED and clock.met_at is None
    return (
        clock.state == ClockState.RUNNING and clock.warn_at is not None and clock.warn_at <= moment
    )


def _fire(timer: Timer, moment: datetime, late_after: float) -> bool:
    """Fire one claimed timer inside the caller's transaction.

    True when the timer is done with (fired, or cancelled as stale); False when it was left
    pending for a later pass (its ticket is locked by another transaction).
    """
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
    if timer.kind in _kinds:
        return _kinds[timer.kind](timer, ticket, moment, late)
    if timer.kind == TimerKind.ESCALATION:
        return escalations.climb(timer, ticket, moment, late)
    clock = SlaClock.objects.get(pk=timer.clock_id)
    if clock.generation != timer.generation:
        logger.info(
            "timer %s is stale (generation %s, clock %s)",
            timer.pk,
            timer.generation,
            clock.generation,
        )
        _cancel(timer, moment)
        sync_clock_timers([clock])
        return True
    if timer.kind == TimerKind.BREACH and clock.state == ClockState.RUNNING:
        services.breach_due_clocks([clock], moment)
    if not _due(timer, clock, moment):
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
    moments.clock_moment(ticket, clock, timer, moment, late)
    return True


def _lock_tickets(ids: set[int]) -> dict[int, Ticket]:
    """The tickets of a batch, locked (``SKIP LOCKED``: one being changed is left out)."""
    tickets = Ticket.objects.select_for_update(skip_locked=skip_locked(), of=("self",))
    tickets = tickets.select_related("policy_version", "team", "assignee")
    return {t.pk: t for t in tickets.filter(pk__in=ids)}


def _fire_batch(
    claimed: list[Timer], moment: datetime, late_after: float
) -> tuple[int, list[Timer]]:
    """Fire claimed clock timers together, inside the caller's transaction.

    Same decisions as `_fire`, in ``fire_at`` order on in-memory rows, but every read and
    write is one query for the whole batch: tickets locked and loaded together, clocks
    loaded together, breached clocks, fired timers, outbox rows (``ON CONFLICT DO
    NOTHING`` on the idempotency key) and ticket events written in bulk. The breaches are
    recorded by the ticket layer (`sladesk.tickets.services.breach_due_clocks`, for the
    batch's breach timers' clocks only — a ticket's other clocks have their own breach
    timers); a warning is decided on its clock as it was before the batch's breaches
    (a clock's warning always comes before its breach). Only the fields that changed are
    written (`sladesk.core.bulk.update_rows`: rows with equal values share one ``UPDATE``).

    Returns (timers handled, timers to fire one by one: page repeats and escalations).
    """
    one_by_one = [t for t in claimed if t.kind == TimerKind.PAGE_REPEAT or t.clock_id is None]
    timers = [t for t in claimed if t not in one_by_one]
    if not timers:
        return 0, one_by_one
    tickets = _lock_tickets({t.ticket_id for t in timers})
    timers = [t for t in timers if t.ticket_id in tickets]  # the rest: next pass
    clock_by_id = {c.pk: c for c in SlaClock.objects.filter(pk__in={t.clock_id for t in timers})}
    cancelled: list[Timer] = []
    replan: dict[int, SlaClock] = {}
    decided: list[tuple[Timer, SlaClock, bool | None]] = []  # None: due once breached
    breaching: dict[int, SlaClock] = {}
    for timer in timers:
        clock = clock_by_id[timer.clock_id]  # type: ignore[index]
        if clock.generation != timer.generation:
            logger.info(
                "timer %s is stale (generation %s, clock %s)",
                timer.pk,
                timer.generation,
                clock.generation,
            )
            cancelled.append(timer)
            replan[clock.pk] = clock
            continue
        if timer.kind == TimerKind.BREACH and clock.state == ClockState.RUNNING:
            breaching[clock.pk] = clock
            decided.append((timer, clock, None))
        else:
            decided.append((timer, clock, _due(timer, clock, moment)))
    clock_events: list[TicketEvent] = []
    services.breach_due_clocks(list(breaching.values()), moment, log_into=clock_events)
    fired: list[tuple[Timer, SlaClock, bool]] = []
    for timer, clock, due in decided:
        if not (_due(timer, clock, moment) if due is None else due):
            cancelled.append(timer)
            replan[clock.pk] = clock
            continue
        fired.append((timer, clock, (moment - timer.fire_at).total_seconds() > late_after))
    if cancelled:
        Timer.objects.filter(pk__in=[t.pk for t in cancelled]).update(
            state=TimerState.CANCELLED, updated_at=moment
        )
    updates = []
    for timer, clock, late in fired:
        update = Timer(
            pk=timer.pk,
            state=TimerState.FIRED,
            fired_at=moment,
            late=late,
            generation=clock.generation,
            cycle=clock.cycle,
            updated_at=moment,
        )
        updates.append(update)
    update_rows(Timer, updates, ["state", "fired_at", "late", "generation", "cycle", "updated_at"])
    # The breached clocks' timers followed their breach (`ClocksChanged`); the cancelled
    # timers' clocks are planned again.
    sync_clock_timers(replan.values())
    moments.clock_moments(
        [(tickets[t.ticket_id], c, t, late) for t, c, late in fired],
        moment,
        clock_events=clock_events,
    )
    return len(cancelled) + len(fired), one_by_one


def _claim(limit: int, now: datetime | None) -> list[Timer]:
    """Due timers, oldest first, locked (``SKIP LOCKED``: other workers take the others)."""
    query = Timer.objects.filter(state=TimerState.PENDING, fire_at__lte=now or Now())
    query = query.order_by("fire_at", "id")
    if skip_locked():
        query = query.select_for_update(skip_locked=True)
    return list(query[:limit])


def _one_by_one(timers: list[Timer], moment: datetime, late_after: float) -> int:
    handled = 0
    for timer in timers:
        try:
            with transaction.atomic():
                handled += _fire(timer, moment, late_after)
        except Exception:
            logger.exception("timer %s could not fire; it stays pending", timer.pk)
    return handled


def fire_due(*, limit: int | None = None, now: datetime | None = None) -> int:
    """Fire the due timers, oldest first, at most ``limit``; returns how many were handled
    (fired or cancelled as stale; not those skipped or failed, which stay pending).

    One transaction: claim (one query), fire the clock timers as a batch (`_fire_batch`);
    if the batch raises, its savepoint rolls back and each timer is fired alone in its own
    savepoint (`_fire`), so one bad timer stays pending and the others still fire.
    ``now`` replaces the database clock (tests with a frozen clock only).
    """
    cfg = conf()
    with write_transaction():
        moment = now or db_now()
        claimed = _claim(limit or cfg.timer_batch, now)
        if not claimed:
            return 0
        try:
            with transaction.atomic():
                handled, rest = _fire_batch(claimed, moment, cfg.late_after)
        except Exception:
            logger.exception("a batch of %s timers failed; firing them one by one", len(claimed))
            return _one_by_one(claimed, moment, cfg.late_after)
        return handled + _one_by_one(rest, moment, cfg.late_after)


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
