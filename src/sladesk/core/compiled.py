"""A queryset compiled to SQL once per database, then run with other parameter values.

Building and compiling a queryset (``filter``, ``select_related`` joins, ``as_sql``) costs
more CPU than PostgreSQL spends answering a primary-key lookup. For the one query every
API request runs, the token lookup with its user and role rows, `CompiledQuery` keeps the
compiled SQL and Django's row-to-instance machinery (converters, related populators) and
only swaps the parameter values: the instances it returns are the ones the queryset
would return (same fields, same ``select_related`` caches, same annotations).

A ``values_list()`` queryset (plain fields, optionally ``named=True``) compiles too and
returns its rows; the list pages' tag and clock queries use that.

Parameters are located by compiling the queryset with sentinel values; a queryset whose
lookups transform their values (``iexact``, ``contains``: escaped, wrapped in ``%``)
cannot be compiled this way and raises `ValueError` at its first use. Use it for exact
lookups only. With ``fallback=True`` such a queryset is built and run as usual instead,
on the databases where it cannot be compiled (``anyof`` on SQLite: one placeholder per id).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import (
    ModelIterable,
    NamedValuesListIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.db.models.utils import create_namedtuple_class

__all__ = ["CompiledQuery"]

M = TypeVar("M", bound=Model)

_SENTINELS: dict[type, Callable[[int], Any]] = {
    str: lambda i: f"\x1esladesk-compiled-parameter-{i}\x1e",
    int: lambda i: -7_340_000_000_000 - i,
    list: lambda i: [-7_350_000_000_000 - i],  # a list of ints as one parameter (``anyof``)
    # an aware instant, passed as it is on PostgreSQL (SQLite's backend turns it into text:
    # transformed, so not compilable there)
    datetime: lambda i: datetime(1904, 2, 29, 3, 4, 5, 6070 + i, tzinfo=UTC),
}


class _Plan:
    """One database's compiled form of the query (see `CompiledQuery`)."""

    def __init__(self, queryset: QuerySet[Any], sentinels: list[Any], db: str) -> None:
        compiler = queryset.query.get_compiler(using=db)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.slots = []
        for value in sentinels:
            where = [i for i, p in enumerate(self.params) if p == value]
            if len(where) != 1:
                raise ValueError("CompiledQuery: a parameter is transformed or repeated")
            self.slots.append(where[0])
        self.db = db
        self.compiler = compiler
        select, klass_info = compiler.select, compiler.klass_info
        self.converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
        self.tuple_class: Any = None
        kind = queryset._iterable_class
        if kind is not ModelIterable:
            if kind not in (ValuesListIterable, NamedValuesListIterable):
                raise ValueError("CompiledQuery: instances or values_list() rows only")
            if queryset.query.extra_select or queryset.query.annotation_select:
                raise ValueError("CompiledQuery: values_list() of plain fields only")
            self.rows = True
            if kind is NamedValuesListIterable:
                self.tuple_class = create_namedtuple_class(*queryset._fields)
            return
        self.rows = False
        self.model = klass_info["model"]
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.span = slice(start, end)
        self.init_list = [f[0].target.attname for f in select[start:end]]
        self.populators = get_related_populators(klass_info, select, db)
        #: annotation name -> column (set on each instance, as Django's ModelIterable does)
        self.annotations = dict(compiler.annotation_col_map or {})

    def run(self, values: tuple[Any, ...]) -> list[Any]:
        params = list(self.params)
        for slot, value in zip(self.slots, values, strict=True):
            params[slot] = value
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows: Any = cursor.fetchall()
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        if self.rows:
            if self.tuple_class is not None:
                new = tuple.__new__
                return [new(self.tuple_class, row) for row in rows]
            return [tuple(row) for row in rows]
        out = []
        for row in rows:
            obj = self.model.from_db(self.db, self.init_list, row[self.span])
            for populator in self.populators:
                populator.populate(row, obj)
            for name, column in self.annotations.items():
                setattr(obj, name, row[column])
            out.append(obj)
        return out


class CompiledQuery(Generic[M]):
    """``build(*values)`` -> queryset, compiled once per database; call with the values.

    ``types`` names the type of each value (``str``, ``int``, ``list`` of ints or an aware
    ``datetime``). ``query(*values)`` returns
    the list of instances ``list(build(*values))`` would (for exact lookups: see module).
    Thread-safe; the compiled form is kept for the life of the process.
    """

    def __init__(
        self, build: Callable[..., QuerySet[M]], *types: type, fallback: bool = False
    ) -> None:
        self.build, self.types, self.fallback = build, types, fallback
        self._plans: dict[str, _Plan | None] = {}
        self._model: type[Model] | None = None
        self._lock = threading.Lock()

    def _sample(self) -> tuple[QuerySet[M], list[Any]]:
        sentinels = [_SENTINELS[t](i) for i, t in enumerate(self.types)]
        return self.build(*sentinels), sentinels

    def __call__(self, *values: Any) -> list[M]:
        if self._model is None:
            self._model = self._sample()[0].model
        db = router.db_for_read(self._model)
        if db not in self._plans:
            with self._lock:
                queryset, sentinels = self._sample()
                try:
                    self._plans[db] = _Plan(queryset.using(db), sentinels, db)
                except ValueError:
                    if not self.fallback:
                        raise
                    self._plans[db] = None
        plan = self._plans[db]
        if plan is None:  # not compilable on this database: the queryset, built each time
            return list(self.build(*values).using(db))
        return plan.run(values)
