"""Attainment rows and breaches as CSV and XLSX (openpyxl)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook

from .attainment import Breach

__all__ = ["BREACH_COLUMNS", "columns_of", "to_csv", "to_xlsx"]

BREACH_COLUMNS = (
    "ticket",
    "organization",
    "priority",
    "metric",
    "opened_at",
    "breached_at",
    "met_at",
    "target_seconds",
    "reason",
)
_FIGURES = (
    "tickets",
    "met",
    "breached",
    "running",
    "pct_met",
    "p50_seconds",
    "p90_seconds",
    "p50_calendar_seconds",
    "p90_calendar_seconds",
    "paused_seconds",
)


def columns_of(group_by: Sequence[str]) -> list[str]:
    return [*group_by, *_FIGURES]


def _breach_row(b: Breach) -> list[Any]:
    return [
        b.ticket_id,
        b.organization_id,
        b.priority,
        b.metric,
        b.opened_at.isoformat(),
        b.breached_at.isoformat() if b.breached_at else "",
        b.met_at.isoformat() if b.met_at else "",
        b.target_seconds,
        b.reason,
    ]


def _safe(v: Any) -> Any:
    """Spreadsheet formula injection: a text cell never starts with = + - @."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
        return "'" + v
    return "" if v is None else v


def to_csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """The attainment rows as CSV with a header line."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for r in rows:
        w.writerow([_safe(r.get(c)) for c in columns])
    return buf.getvalue()


def to_xlsx(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], breaches: Sequence[Breach]
) -> bytes:
    """A workbook with sheets ``Attainment`` (the rows) and ``Breaches`` (with reasons)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Attainment"
    ws.append(list(columns))
    for r in rows:
        ws.append([_safe(r.get(c)) for c in columns])
    bs = wb.create_sheet("Breaches")
    bs.append(list(BREACH_COLUMNS))
    for b in breaches:
        bs.append([_safe(v) for v in _breach_row(b)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
