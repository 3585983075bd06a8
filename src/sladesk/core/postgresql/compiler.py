"""Django's PostgreSQL SQL compilers; small bulk inserts as ``VALUES`` rows, not ``UNNEST``.

Django writes every multi-row insert as ``INSERT ... SELECT * FROM UNNEST(%s::type[], ...)``,
one array parameter per column, to spare PostgreSQL the planning of long ``VALUES`` lists.
For the few rows a service writes at once (a ticket's 2-4 clocks, events, timers) that
costs more than it saves: psycopg builds each array in Python, value by value, where a
plain parameter goes through its C dumper. Up to `VALUES_UP_TO` rows are written as
``VALUES (...), (...)``; larger batches (bulk loads, backfills) keep Django's ``UNNEST``.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.postgresql.compiler import (
    SQLAggregateCompiler,
    SQLCompiler,
    SQLDeleteCompiler,
    SQLUpdateCompiler,
)
from django.db.backends.postgresql.compiler import SQLInsertCompiler as _InsertCompiler
from django.db.models.sql.compiler import SQLInsertCompiler as _BaseInsertCompiler

__all__ = [
    "VALUES_UP_TO",
    "SQLAggregateCompiler",
    "SQLCompiler",
    "SQLDeleteCompiler",
    "SQLInsertCompiler",
    "SQLUpdateCompiler",
]

#: The most rows written as a ``VALUES`` list by one insert.
VALUES_UP_TO = 8


class SQLInsertCompiler(_InsertCompiler):
    """Django's PostgreSQL insert compiler; ``VALUES`` for small batches (see the module)."""

    def assemble_as_sql(self, fields: Any, value_rows: Any) -> Any:
        if len(value_rows) <= VALUES_UP_TO:
            return _BaseInsertCompiler.assemble_as_sql(self, fields, value_rows)
        return super().assemble_as_sql(fields, value_rows)
