"""Reading attainment: rows grouped by the asked dimensions over tickets opened in
``[start, end)`` (UTC days), from the rollup, and the breach list with reasons.

Ranges are split into whole UTC months (month cells) and the days at either edge (day
cells), so a year is read from about twelve cells per dimension combination. Percentiles
come from the cells' histograms (`sladesk.reports.histogram`: within ±1 % of the exact
nearest-rank value) over the clocks that reached an outcome (met, or breached and met
late); a breached clock not yet met counts as breached but has no time used yet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db.models import Q

from sladesk.core import time as core_time
from sladesk.tickets.models import TicketEvent

from . import histogram
from .facts import breach_reason
from .models import AttainmentCell, ClockFact, Granularity
from .rollup import pending_cells

__all__ = [
    "DIMENSIONS",
    "Breach",
    "attainment",
    "breaches",
    "month_ranges",
    "parse_group_by",
    "periods",
]

#: group_by name -> cell field (``month``/``week`` are derived from the period).
DIMENSIONS = {
    "organization": "organization_id",
    "plan": "plan",
    "priority": "priority",
    "metric": "metric",
    "team": "team_id",
    "month": None,
    "week": None,
}


def parse_group_by(text: str | None) -> list[str]:
    """``organization,priority,metric`` -> names; unknown names raise ValueError naming them."""
    names = [n.strip() for n in (text or "organization,priority,metric").split(",") if n.strip()]
    bad = [n for n in names if n not in DIMENSIONS]
    if bad:
        raise ValueError(f"unknown group_by {', '.join(bad)}; use any of {', '.join(DIMENSIONS)}")
    if "month" in names and "week" in names:
        raise ValueError("group_by takes month or week, not both")
    return list(dict.fromkeys(names))


def _next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_ranges(
    start: date, end: date, today: date | None = None
) -> tuple[list[tuple[date, date]], list[date]]:
    """``[start, end)`` as (day ranges at the edges, first days of the whole months inside).

    A month that has not ended counts as whole when ``end`` is after ``today`` (UTC): no
    ticket was opened after now, so its month cell holds exactly ``[month, end)``."""
    first = start if start.day == 1 else _next_month(start)
    months: list[date] = []
    m = first
    while _next_month(m) <= end or (today is not None and m <= today < end and m < end):
        months.append(m)
        m = _next_month(m)
    if not months:
        return [(start, end)] if start < end else [], []
    edges = [(start, months[0]), (_next_month(months[-1]), end)]
    return [(a, b) for a, b in edges if a < b], months


_SUMMARY = frozenset({"organization", "priority", "metric"})


def _add_months(d: date, n: int) -> date:
    m = d.month - 1 + n
    return date(d.year + m // 12, m % 12 + 1, 1)


def periods(
    start: date, end: date, today: date | None = None, *, coarse: bool = True
) -> list[tuple[str, date, date]]:
    """``[start, end)`` cut greedily into whole UTC years, quarters and months (``coarse``;
    else months only) and days at the edges: ``(unit, first day, end)`` with unit ``year``,
    ``quarter``, ``month`` or ``day`` (a day run ``[first, end)``). A period that has not
    ended counts as whole when ``end`` is after ``today``: nothing was opened after now."""
    out: list[tuple[str, date, date]] = []
    d = start
    while d < end:
        if d.day == 1:
            chosen = None
            for unit, months, ok in (
                ("year", 12, d.month == 1),
                ("quarter", 3, d.month % 3 == 1),
                ("month", 1, True),
            ):
                if unit != "month" and not coarse:
                    continue
                stop = _add_months(d, months)
                if ok and (stop <= end or (today is not None and d <= today < end)):
                    chosen = (unit, d, stop)
                    break
            if chosen is not None:
                out.append(chosen)
                d = chosen[2]
                continue
        stop = min(_next_month(d), end)
        out.append(("day", d, stop))
        d = stop
    return out


_UNITS = {
    "year": Granularity.SUMMARY_YEAR,
    "quarter": Granularity.SUMMARY_QUARTER,
    "month": Granularity.SUMMARY_MONTH,
    "day": Granularity.SUMMARY_DAY,
}


def _cells(
    start: date, end: date, organizations: Collection[int] | None, group_by: Sequence[str]
) -> list[dict[str, Any]]:
    today = core_time.now().astimezone(UTC).date()
    slim = set(group_by) <= _SUMMARY | {"month"}
    if "week" in group_by:
        parts = [("day", start, end)] if start < end else []
    else:
        parts = periods(start, end, today, coarse=slim and "month" not in group_by)
    cond = Q(pk__in=[])
    for unit, a, b in parts:
        g = _UNITS[unit] if slim else {"month": Granularity.MONTH, "day": Granularity.DAY}[unit]
        if unit == "day":
            cond |= Q(granularity=g, period__gte=a, period__lt=b)
        else:
            cond |= Q(granularity=g, period=a)
    qs = AttainmentCell.objects.filter(cond, tickets__gt=0)
    if organizations is not None:
        qs = qs.filter(organization_id__in=list(organizations))
    # The journal not folded yet, as day cells: the report is exact at every instant.
    return pending_cells(start, end, organizations) + list(
        qs.values(
            "period",
            "organization_id",
            "plan",
            "priority",
            "team_id",
            "metric",
            "tickets",
            "met",
            "breached",
            "running",
            "paused_seconds",
            "used_hist",
            "wall_hist",
        )
    )


def _key(cell: dict[str, Any], names: Sequence[str]) -> tuple[Any, ...]:
    out: list[Any] = []
    for n in names:
        if n == "month":
            out.append(cell["period"].strftime("%Y-%m"))
        elif n == "week":
            p = cell["period"]
            out.append((p - timedelta(days=p.weekday())).isoformat())
        elif n == "team":
            out.append(cell["team_id"] or None)
        else:
            out.append(cell[DIMENSIONS[n]])  # type: ignore[index]
    return tuple(out)


def _seconds(value: float | None) -> int | None:
    return None if value is None else round(value)


def attainment(
    start: date, end: date, group_by: Sequence[str], organizations: Collection[int] | None = None
) -> list[dict[str, Any]]:
    """One row per combination of ``group_by`` values over tickets opened in ``[start, end)``
    (UTC): ``tickets`` (clocks of that metric, cancelled ones left out), ``met``,
    ``breached``, ``running`` (running or paused), ``pct_met`` = met / (met + breached) in
    % (one decimal; None while nothing is decided), ``p50_seconds``/``p90_seconds`` of the
    working time used in the target's calendar (business hours for business targets),
    ``p50_calendar_seconds``/``p90_calendar_seconds`` of calendar time to the outcome,
    ``paused_seconds`` in total. ``organizations`` limits the rows (None: all).
    """
    cells = _cells(start, end, organizations, group_by)
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = defaultdict(list)
    for cell in cells:
        groups[_key(cell, group_by)].append(cell)
    rows = []
    for key in sorted(
        groups, key=lambda k: tuple("" if v is None else str(v).zfill(12) for v in k)
    ):
        cs = groups[key]
        tickets = sum(c["tickets"] for c in cs)
        if not tickets:
            continue  # only journal rows that cancel out (a folded cell with none is not read)
        met = sum(c["met"] for c in cs)
        breached = sum(c["breached"] for c in cs)
        used = cs[0]["used_hist"] if len(cs) == 1 else histogram.merge(c["used_hist"] for c in cs)
        wall = cs[0]["wall_hist"] if len(cs) == 1 else histogram.merge(c["wall_hist"] for c in cs)
        u50, u90 = histogram.percentiles(used, (0.5, 0.9))
        w50, w90 = histogram.percentiles(wall, (0.5, 0.9))
        row: dict[str, Any] = dict(zip(group_by, key, strict=True))
        row.update(
            tickets=tickets,
            met=met,
            breached=breached,
            running=sum(c["running"] for c in cs),
            pct_met=round(100.0 * met / (met + breached), 1) if met + breached else None,
            p50_seconds=_seconds(u50),
            p90_seconds=_seconds(u90),
            p50_calendar_seconds=_seconds(w50),
            p90_calendar_seconds=_seconds(w90),
            paused_seconds=sum(c["paused_seconds"] for c in cs),
        )
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Breach:
    """One breached clock and why (`sladesk.reports.facts.breach_reason`)."""

    ticket_id: int
    organization_id: int
    priority: str
    metric: str
    opened_at: datetime
    breached_at: datetime | None
    met_at: datetime | None
    target_seconds: int
    reason: str


def _instant(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=UTC)


def breaches(
    start: date, end: date, organizations: Collection[int] | None = None, limit: int = 500
) -> list[Breach]:
    """The breached clocks of tickets opened in ``[start, end)`` (UTC), newest breach
    first, at most ``limit``, each with its reason from the clock's history."""
    qs = ClockFact.objects.filter(
        state="breached", opened_at__gte=_instant(start), opened_at__lt=_instant(end)
    )
    if organizations is not None:
        qs = qs.filter(organization_id__in=list(organizations))
    facts = list(qs.select_related("clock").order_by("-breached_at", "-ticket_id")[:limit])
    events: dict[int, list[TicketEvent]] = defaultdict(list)
    for e in TicketEvent.objects.filter(
        ticket_id__in={f.ticket_id for f in facts}, kind="clock"
    ).order_by("at", "id"):
        events[e.ticket_id].append(e)
    return [
        Breach(
            ticket_id=f.ticket_id,
            organization_id=f.organization_id,
            priority=f.priority,
            metric=f.metric,
            opened_at=f.opened_at,
            breached_at=f.breached_at,
            met_at=f.met_at,
            target_seconds=f.target_seconds,
            reason=breach_reason(f.clock, events[f.ticket_id]),
        )
        for f in facts
    ]
