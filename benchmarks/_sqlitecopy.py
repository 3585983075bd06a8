"""Copy a migrated PostgreSQL sladesk database into a migrated SQLite one (benchmarks only).

``pages.py`` measures the same desk on both backends: `_bulkdata` writes with PostgreSQL
COPY, and this copies every table of the installed apps, row for row and with the same
ids, into the SQLite database Django is set up on. Values are stored as Django's SQLite
backend stores them: instants as naive UTC text, durations as microseconds, JSON as text.
Runs with foreign-key checks off (the source already satisfied them). No ANALYZE: a
sladesk SQLite file never gets one (nothing runs it; PostgreSQL's autovacuum analyzes by
itself), and without ``sqlite_stat1`` the planner takes the status index for the few
active tickets, where the averages ANALYZE records (20,000 rows per status) make it scan.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

__all__ = ["copy_from_postgresql"]

_JSON_OIDS = {114, 3802}  # json, jsonb
BATCH = 10_000


def _converter(type_code: int, ops: Any) -> Callable[[Any], Any]:
    from django.utils.duration import duration_microseconds

    def convert(value: Any) -> Any:
        if value is None:
            return None
        if type_code in _JSON_OIDS:
            return json.dumps(value)
        if isinstance(value, datetime):
            return ops.adapt_datetimefield_value(value)
        if isinstance(value, timedelta):
            return duration_microseconds(value)
        return value

    return convert


def copy_from_postgresql(url: str, *, log: Callable[[str], None] = print) -> int:
    """Replace the rows of every Django table in the default (SQLite) database with the
    source's. Returns the number of rows copied."""
    import psycopg
    from django.db import connection, transaction

    assert connection.vendor == "sqlite", connection.vendor
    t0 = time.perf_counter()
    tables = [
        t
        for t in connection.introspection.django_table_names(only_existing=True)
        if t != "django_migrations"
    ]
    total = 0
    with (
        psycopg.connect(url) as source,
        connection.constraint_checks_disabled(),
        transaction.atomic(),
    ):
        target = connection.cursor()
        for table in tables:
            target.execute(f'DELETE FROM "{table}"')
            with source.cursor(name=f"copy_{table}") as rows:
                rows.execute(f'SELECT * FROM "{table}"')
                batch = rows.fetchmany(BATCH)
                if not batch:
                    continue
                columns = [c.name for c in rows.description]
                convert = [_converter(c.type_code, connection.ops) for c in rows.description]
                names = ", ".join(f'"{c}"' for c in columns)
                insert = (
                    f'INSERT INTO "{table}" ({names}) VALUES ({", ".join(["%s"] * len(columns))})'
                )
                while batch:
                    target.executemany(
                        insert, [[f(v) for f, v in zip(convert, row, strict=True)] for row in batch]
                    )
                    total += len(batch)
                    batch = rows.fetchmany(BATCH)
    log(
        f"  copied {total:,} rows of {len(tables)} tables into SQLite in "
        f"{time.perf_counter() - t0:.1f} s"
    )
    return total
