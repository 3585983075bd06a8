"""Writing a few fields of many saved rows in as few cheap statements as possible.

Django's ``bulk_update`` writes every row in one statement, but it builds a ``CASE WHEN pk
= ... THEN ...`` expression per field per row, and compiling those was the largest CPU
cost of the timer and delivery workers (profiled with py-spy in
``benchmarks/timer_latency.py``: about half of a firing pass for one timer). Most of the
workers' writes give many rows the *same* values (fired at this instant, delivered now),
so `update_rows` groups the rows by their values and writes each group with one plain
``UPDATE ... WHERE pk IN (...)``; only when the rows differ in too many ways does it fall
back to ``bulk_update``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import models

__all__ = ["update_rows"]


def update_rows(
    model: type[models.Model],
    rows: Sequence[models.Model],
    fields: Sequence[str],
    *,
    max_statements: int = 4,
) -> int:
    """Write ``fields`` of the saved ``rows`` of ``model`` (their in-memory values).

    Rows with equal values for ``fields`` share one ``UPDATE``; with more than
    ``max_statements`` distinct value sets (or an unhashable value, e.g. a JSON dict)
    everything goes through one ``bulk_update``. Returns the number of ``UPDATE`` calls made
    (a ``bulk_update`` counts as one).
    """
    if not rows or not fields:
        return 0
    groups: dict[tuple[Any, ...], list[Any]] = {}
    try:
        for row in rows:
            groups.setdefault(tuple(getattr(row, f) for f in fields), []).append(row.pk)
    except TypeError:  # an unhashable value
        groups = {}
    if not groups or len(groups) > max_statements:
        model._default_manager.bulk_update(rows, list(fields))
        return 1
    for values, pks in groups.items():
        model._default_manager.filter(pk__in=pks).update(**dict(zip(fields, values, strict=True)))
    return len(groups)
