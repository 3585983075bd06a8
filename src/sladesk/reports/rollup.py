"""Keeping `ClockFact` and `AttainmentCell` in step with the clocks.

`on_clocks_changed` runs inside the transaction that saved the clocks (subscribed to
`ClocksChanged` with ``IN_TRANSACTION``): for each clock it recomputes the fact, and moves
the old fact's contribution out of its day and month cells and the new one in. Cells are
locked in key order (``SELECT ... FOR UPDATE``), so two transactions touching the same
cells serialize instead of losing counts, and never deadlock on each other's cells.
`rebuild` recomputes everything from the clock rows (after a restore, or to fix dimensions
that changed without a clock change, e.g. a team reassignment).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC as _UTC
from datetime import date
from typing import Any

from django.db import transaction

from sladesk.tickets.announce import ClocksChanged
from sladesk.tickets.models import ClockState, SlaClock, Ticket

from . import histogram
from .facts import FACT_FIELDS, fact_values
from .models import AttainmentCell, ClockFact, Granularity

__all__ = ["apply_clocks", "on_clocks_changed", "rebuild"]

Key = tuple[str, date, int, str, str, int, str]
_KEY_FIELDS = ("granularity", "period", "organization_id", "plan", "priority", "team_id", "metric")


class _Delta:
    __slots__ = ("breached", "met", "paused_seconds", "running", "tickets", "used", "wall")

    def __init__(self) -> None:
        self.tickets = self.met = self.breached = self.running = self.paused_seconds = 0
        self.used: dict[str, int] = {}
        self.wall: dict[str, int] = {}


def _keys(f: dict[str, Any]) -> list[Key]:
    day = f["opened_at"].astimezone(_UTC).date()
    dims = (f["organization_id"], f["plan"], f["priority"], f["team_id"], f["metric"])
    slim = (f["organization_id"], "", f["priority"], -1, f["metric"])
    month = day.replace(day=1)
    return [
        (Granularity.DAY, day, *dims),
        (Granularity.MONTH, month, *dims),
        (Granularity.SUMMARY_DAY, day, *slim),
        (Granularity.SUMMARY_MONTH, month, *slim),
        (Granularity.SUMMARY_QUARTER, month.replace(month=(month.month - 1) // 3 * 3 + 1), *slim),
        (Granularity.SUMMARY_YEAR, month.replace(month=1), *slim),
    ]


def _contribute(deltas: dict[Key, _Delta], f: dict[str, Any], sign: int) -> None:
    state = f["state"]
    if state == ClockState.CANCELLED:
        return
    for key in _keys(f):
        d = deltas.setdefault(key, _Delta())
        d.tickets += sign
        if state == ClockState.MET:
            d.met += sign
        elif state == ClockState.BREACHED:
            d.breached += sign
        else:
            d.running += sign
        d.paused_seconds += sign * f["paused_seconds"]
        if f["used_seconds"] is not None:
            histogram.add(d.used, f["used_seconds"], sign)
            histogram.add(d.wall, f["wall_seconds"] or 0, sign)


def _apply(deltas: dict[Key, _Delta]) -> None:
    live = {
        k: d
        for k, d in deltas.items()
        if d.tickets or d.met or d.breached or d.running or d.paused_seconds or d.used or d.wall
    }
    if not live:
        return
    AttainmentCell.objects.bulk_create(
        [AttainmentCell(**dict(zip(_KEY_FIELDS, k, strict=True))) for k in sorted(live)],
        ignore_conflicts=True,
    )
    for key in sorted(live):
        d = live[key]
        cell = AttainmentCell.objects.select_for_update().get(
            **dict(zip(_KEY_FIELDS, key, strict=True))
        )
        cell.tickets += d.tickets
        cell.met += d.met
        cell.breached += d.breached
        cell.running += d.running
        cell.paused_seconds += d.paused_seconds
        for hist, delta in ((cell.used_hist, d.used), (cell.wall_hist, d.wall)):
            for b, n in delta.items():
                total = hist.get(b, 0) + n
                if total:
                    hist[b] = total
                else:
                    hist.pop(b, None)
        cell.save()


def apply_clocks(clocks: Iterable[SlaClock], known: Iterable[Ticket] = ()) -> None:
    """Recompute the facts of ``clocks`` (saved rows) and move the rollup accordingly.

    ``known``: in-memory tickets to read the dimensions from (the service's, which may hold
    changes not saved yet); the others are read from the database."""
    clocks = [c for c in clocks if c.pk is not None]
    if not clocks:
        return
    tickets = {t.pk: t for t in known if t is not None and t.pk is not None}
    missing = {c.ticket_id for c in clocks} - set(tickets)
    if missing:
        tickets.update(
            (t.pk, t)
            for t in Ticket.objects.filter(pk__in=missing).select_related("policy_version")
        )
    old = {
        f.clock_id: f
        for f in ClockFact.objects.select_for_update().filter(clock_id__in=[c.pk for c in clocks])
    }
    deltas: dict[Key, _Delta] = {}
    creates, updates = [], []
    for clock in clocks:
        ticket = tickets.get(clock.ticket_id)
        if ticket is None:
            continue
        new = fact_values(clock, ticket)
        prev = old.get(clock.pk)
        if prev is not None:
            before = {f: getattr(prev, f) for f in FACT_FIELDS}
            if before == new:
                continue
            _contribute(deltas, before, -1)
            for f, v in new.items():
                setattr(prev, f, v)
            updates.append(prev)
        else:
            creates.append(ClockFact(clock_id=clock.pk, **new))
        _contribute(deltas, new, +1)
    if creates:
        ClockFact.objects.bulk_create(creates)
    if updates:
        ClockFact.objects.bulk_update(updates, list(FACT_FIELDS))
    _apply(deltas)


def on_clocks_changed(event: ClocksChanged) -> None:
    """The `ClocksChanged` subscriber (in the clocks' transaction)."""
    apply_clocks(event.clocks, event.tickets)


def rebuild(batch: int = 5000) -> int:
    """Recompute every fact and cell from the clock rows (one transaction); returns the
    number of clocks. Facts are computed in chunks and the cells summed in memory, then
    written with one bulk insert per table."""
    n = 0
    cells: dict[Key, _Delta] = {}
    with transaction.atomic():
        AttainmentCell.objects.all().delete()
        ClockFact.objects.all().delete()
        last = 0
        while True:
            chunk = list(SlaClock.objects.filter(pk__gt=last).order_by("pk")[:batch])
            if not chunk:
                break
            last = chunk[-1].pk
            tickets = {
                t.pk: t
                for t in Ticket.objects.filter(pk__in={c.ticket_id for c in chunk}).select_related(
                    "policy_version"
                )
            }
            facts = []
            for clock in chunk:
                values = fact_values(clock, tickets[clock.ticket_id])
                facts.append(ClockFact(clock_id=clock.pk, **values))
                _contribute(cells, values, +1)
            ClockFact.objects.bulk_create(facts, batch_size=2000)
            n += len(chunk)
        AttainmentCell.objects.bulk_create(
            [
                AttainmentCell(
                    **dict(zip(_KEY_FIELDS, k, strict=True)),
                    tickets=d.tickets,
                    met=d.met,
                    breached=d.breached,
                    running=d.running,
                    paused_seconds=d.paused_seconds,
                    used_hist=d.used,
                    wall_hist=d.wall,
                )
                for k, d in sorted(cells.items())
                if d.tickets
            ],
            batch_size=2000,
        )
    return n
