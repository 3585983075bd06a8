"""Keeping `ClockFact` and `AttainmentCell` in step with the clocks.

`on_clocks_changed` runs inside the transaction that saved the clocks (subscribed to
`ClocksChanged` with ``IN_TRANSACTION``): for each clock it recomputes the fact and, when
the fact changed, journals the old fact's contribution out and the new one in as
`RollupChange` rows — inserts only, so concurrent ticket writes never queue on shared
cells. `fold` (the periodic job ``reports.fold``, every `FOLD_EVERY`) sums the oldest
journal rows into their day, month, quarter and year cells and deletes them in one
transaction; journal rows are claimed with ``SKIP LOCKED`` and cells locked in key order,
so two folds never lose counts or deadlock. `pending_cells` gives the rows not folded yet
as day cells, which the attainment query adds: a report is exact at every instant.
`rebuild` recomputes everything from the clock rows (after a restore, or to fix dimensions
that changed without a clock change, e.g. a team reassignment).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from datetime import UTC as _UTC
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from sladesk.tickets.announce import ClocksChanged
from sladesk.tickets.models import ClockState, SlaClock, Ticket

from . import histogram
from .facts import FACT_FIELDS, fact_values
from .models import AttainmentCell, ClockFact, Granularity, RollupChange

__all__ = [
    "FOLD_BATCH",
    "FOLD_EVERY",
    "apply_clocks",
    "fold",
    "on_clocks_changed",
    "pending_cells",
    "rebuild",
]

#: How often the journal is folded into the cells, and how many rows one fold takes.
FOLD_EVERY = timedelta(seconds=5)
FOLD_BATCH = 5000
#: The `RollupChange` fields a contribution is made of (`ClockFact` fields; sign aside).
_CHANGE_FIELDS = tuple(
    f.name for f in RollupChange._meta.concrete_fields if f.name not in ("id", "sign")
)

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


def _day_key(f: dict[str, Any]) -> list[Key]:
    day = f["opened_at"].astimezone(_UTC).date()
    return [
        (
            Granularity.DAY,
            day,
            f["organization_id"],
            f["plan"],
            f["priority"],
            f["team_id"],
            f["metric"],
        )
    ]


def _contribute(
    deltas: dict[Key, _Delta],
    f: dict[str, Any],
    sign: int,
    keys: Callable[[dict[str, Any]], list[Key]] = _keys,
) -> None:
    state = f["state"]
    if state == ClockState.CANCELLED:
        return
    for key in keys(f):
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


def _locked_cells(keys: list[Key]) -> dict[Key, AttainmentCell]:
    """The cells of ``keys`` (sorted), locked in key order, chunk by chunk."""
    out: dict[Key, AttainmentCell] = {}
    for i in range(0, len(keys), 200):
        cond = Q(pk__in=[])
        for key in keys[i : i + 200]:
            cond |= Q(**dict(zip(_KEY_FIELDS, key, strict=True)))
        for cell in AttainmentCell.objects.select_for_update().filter(cond).order_by(*_KEY_FIELDS):
            out[tuple(getattr(cell, f) for f in _KEY_FIELDS)] = cell  # type: ignore[assignment]
    return out


def _apply(deltas: dict[Key, _Delta]) -> None:
    """Add ``deltas`` to their cells (created when missing), in the current transaction."""
    live = {
        k: d
        for k, d in deltas.items()
        if d.tickets or d.met or d.breached or d.running or d.paused_seconds or d.used or d.wall
    }
    if not live:
        return
    keys = sorted(live)
    AttainmentCell.objects.bulk_create(
        [AttainmentCell(**dict(zip(_KEY_FIELDS, k, strict=True))) for k in keys],
        ignore_conflicts=True,
        batch_size=1000,
    )
    cells = _locked_cells(keys)
    for key in keys:
        d, cell = live[key], cells[key]
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
    AttainmentCell.objects.bulk_update(
        [cells[k] for k in keys],
        ["tickets", "met", "breached", "running", "paused_seconds", "used_hist", "wall_hist"],
        batch_size=500,
    )


def _journal(rows: list[RollupChange], f: dict[str, Any], sign: int) -> None:
    if f["state"] != ClockState.CANCELLED:
        rows.append(RollupChange(sign=sign, **{k: f[k] for k in _CHANGE_FIELDS}))


def apply_clocks(clocks: Iterable[SlaClock], known: Iterable[Ticket] = ()) -> None:
    """Recompute the facts of ``clocks`` (saved rows) and journal how the rollup moves
    (`RollupChange` rows, folded into the cells by `fold`).

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
    journal: list[RollupChange] = []
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
            _journal(journal, before, -1)
            for f, v in new.items():
                setattr(prev, f, v)
            updates.append(prev)
        else:
            creates.append(ClockFact(clock_id=clock.pk, **new))
        _journal(journal, new, +1)
    if creates:
        ClockFact.objects.bulk_create(creates)
    if updates:
        ClockFact.objects.bulk_update(updates, list(FACT_FIELDS))
    if journal:
        RollupChange.objects.bulk_create(journal)


def fold(batch: int = FOLD_BATCH) -> int:
    """Fold the oldest ``batch`` journal rows into the cells and delete them, in one
    transaction; returns how many were folded. Rows another fold holds are skipped
    (``SKIP LOCKED``), so folds may run side by side; safe to run any number of times."""
    with transaction.atomic():
        rows = list(
            RollupChange.objects.select_for_update(skip_locked=True)
            .order_by("pk")
            .values("pk", "sign", *_CHANGE_FIELDS)[:batch]
        )
        if not rows:
            return 0
        deltas: dict[Key, _Delta] = {}
        for row in rows:
            _contribute(deltas, row, row["sign"])
        _apply(deltas)
        RollupChange.objects.filter(pk__in=[r["pk"] for r in rows]).delete()
    return len(rows)


def pending_cells(
    start: date, end: date, organizations: Collection[int] | None = None
) -> list[dict[str, Any]]:
    """The journal rows not folded yet of tickets opened in ``[start, end)`` (UTC days), summed
    as day cells (the `AttainmentCell` values the attainment query reads; counts may be
    negative: a fact's old values taken out)."""
    qs = RollupChange.objects.filter(
        opened_at__gte=datetime.combine(start, time(0), tzinfo=_UTC),
        opened_at__lt=datetime.combine(end, time(0), tzinfo=_UTC),
    )
    if organizations is not None:
        qs = qs.filter(organization_id__in=list(organizations))
    deltas: dict[Key, _Delta] = {}
    for row in qs.values("sign", *_CHANGE_FIELDS):
        _contribute(deltas, row, row["sign"], _day_key)
    return [
        {
            **dict(zip(_KEY_FIELDS, key, strict=True)),
            "tickets": d.tickets,
            "met": d.met,
            "breached": d.breached,
            "running": d.running,
            "paused_seconds": d.paused_seconds,
            "used_hist": d.used,
            "wall_hist": d.wall,
        }
        for key, d in deltas.items()
    ]


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
        RollupChange.objects.all().delete()
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
