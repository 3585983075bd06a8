"""``field__anyof=[ids]``: ``IN`` a list of integers, one query text whatever the list's length.

``ticket_id__in=ids`` writes one placeholder per id (``IN (%s, %s, ...)``), so every list
length is a different statement: psycopg re-parses the query text per execution once it is
past its cache's bounds, and PostgreSQL never reuses a prepared plan for it. On PostgreSQL
``anyof`` writes ``= ANY(%s::bigint[])`` with the list as one array parameter instead: the
same text for every length (cached, and prepared after a few runs, see the settings).
Elsewhere (SQLite) it is the plain ``IN (...)``. An empty list matches nothing.

Registered (`register`) on integer primary keys and foreign keys; the values must be
integers.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Lookup

__all__ = ["AnyOf", "register"]


class AnyOf(Lookup):
    """``lhs = ANY(array)`` on PostgreSQL, ``lhs IN (...)`` elsewhere (see the module)."""

    lookup_name = "anyof"
    prepare_rhs = False
    can_use_none_as_rhs = False

    def get_prep_lookup(self) -> list[int]:
        return [int(v) for v in self.rhs]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*params, values]
        if not values:
            return "1 = 0", list(params)
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*params, *values]


def register() -> None:
    """Make ``anyof`` available on integer keys (idempotent; `CoreConfig.ready`)."""
    for field in (models.AutoField, models.BigAutoField, models.ForeignKey, models.IntegerField):
        field.register_lookup(AnyOf)
