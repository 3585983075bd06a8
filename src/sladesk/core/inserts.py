"""Inserting a few new rows of one model with a statement built once: `insert_new`.

``Model.objects.bulk_create(objs)`` rebuilds its ``INSERT`` every call: a new
``InsertQuery``, the batch size, then per value a placeholder and its SQL, joined into
the statement text. Opening a ticket writes five small batches (the ticket, its first
message, clocks, events, timers), and building them cost more CPU than PostgreSQL spent
running them (profiled with py-spy on ``POST /api/v1/tickets/``: about a quarter of the
server's time). For a given model, database and number of rows the text is always the
same, so `insert_new` keeps it (the first call has Django's compiler write it) and only
computes the parameters, as Django does: each field's ``pre_save`` (``auto_now``) then
``get_db_prep_save``.

What it does is what ``bulk_create(objs)`` does for such rows: the same statement and
parameters, the primary keys (and any ``db_returning`` fields) set on the instances, their
``_state`` saved, no signals, related instances checked as ``bulk_create`` checks them, and
a failed statement inside ``atomic`` marks the transaction for rollback. Anything else is
handed to ``bulk_create`` itself: an instance with its primary key set, instances of
several models, a value that is an expression, a model with a parent table, a database
default, a custom placeholder, or a database that cannot return the keys of a multi-row
insert. More than `MAX_ROWS` rows (an email batch opening many tickets): on SQLite, chunks
of up to `CHUNK_ROWS` (fewer where SQLite's parameter limit says so) with kept statements,
inside one atomic block as ``bulk_create`` writes its batches; on PostgreSQL,
``bulk_create`` itself (one ``UNNEST`` statement, see `sladesk.core.postgresql.compiler`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import connections, router, transaction
from django.db.models import NOT_PROVIDED, Model
from django.db.models.fields import AutoFieldMixin
from django.db.models.sql import InsertQuery

__all__ = ["CHUNK_ROWS", "MAX_ROWS", "insert_new"]

M = TypeVar("M", bound=Model)

#: The most rows written with a kept statement on every database (the ``VALUES`` rows of
#: `sladesk.core.postgresql.compiler`).
MAX_ROWS = 8

#: On SQLite, larger batches are written in chunks of at most this many rows, so at most
#: this many statements are kept per model.
CHUNK_ROWS = 64

_VENDORS = frozenset({"postgresql", "sqlite"})


class _Shape:
    """What every insert of new rows of one model shares (None from `_shape`: not eligible)."""

    def __init__(self, model: type[Model]) -> None:
        opts = model._meta
        self.fields = [
            f for f in opts.concrete_fields if not f.generated and not isinstance(f, AutoFieldMixin)
        ]
        self.returning = list(opts.db_returning_fields)
        self.columns = [f.get_col(opts.db_table) for f in self.returning]
        self.statements: dict[tuple[str, int], tuple[str, list[Any]]] = {}

    @staticmethod
    def eligible(model: type[Model]) -> bool:
        opts = model._meta
        return (
            not opts.parents
            and isinstance(opts.pk, AutoFieldMixin)
            and not opts.pk.has_default()
            and all(
                f.db_default is NOT_PROVIDED and not hasattr(f, "get_placeholder")
                for f in opts.concrete_fields
            )
        )


_shapes: dict[type[Model], _Shape | None] = {}
_lock = threading.Lock()


def _shape(model: type[Model]) -> _Shape | None:
    try:
        return _shapes[model]
    except KeyError:
        with _lock:
            shape = _Shape(model) if _Shape.eligible(model) else None
            _shapes[model] = shape
            return shape


def _statement(shape: _Shape, model: type[Model], objs: list[Any], db: str) -> Any:
    """(SQL, converters of the returned columns) for ``len(objs)`` rows, written once by
    Django's insert compiler; None when its statement does not take exactly the values
    `insert_new` computes (then ``bulk_create`` runs)."""
    key = (db, len(objs))
    found = shape.statements.get(key)
    if found is not None:
        return found
    query = InsertQuery(model)
    query.insert_values(shape.fields, objs)
    compiler = query.get_compiler(using=db)
    compiler.returning_fields = shape.returning
    statements = compiler.as_sql()
    if len(statements) != 1 or len(statements[0][1]) != len(objs) * len(shape.fields):
        return None
    converters = compiler.get_converters(shape.columns)
    found = shape.statements[key] = (statements[0][0], list(converters.items()))
    return found


def insert_new(objs: Sequence[M]) -> list[M]:
    """Insert the new (unsaved, no primary key) instances ``objs``, as
    ``type(objs[0]).objects.bulk_create(objs)`` would, with a kept statement (see the
    module). Returns the instances, their primary keys set."""
    objs = list(objs)
    if not objs:
        return objs
    model = type(objs[0])
    shape = _shape(model)
    db = router.db_for_write(model)
    connection = connections[db]
    if (
        shape is None
        or connection.vendor not in _VENDORS
        or not connection.features.can_return_rows_from_bulk_insert
        or any(type(obj) is not model or obj._is_pk_set() for obj in objs)
    ):
        return model._default_manager.bulk_create(objs)
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    if len(objs) > MAX_ROWS:
        if connection.vendor != "sqlite":
            return model._default_manager.bulk_create(objs)
        size = max(1, min(CHUNK_ROWS, connection.ops.bulk_batch_size(shape.fields, objs)))
        with transaction.atomic(using=db, savepoint=False):
            for start in range(0, len(objs), size):
                if _insert(shape, model, objs[start : start + size], db, connection) is None:
                    # a chunk Django must write: the rest go the same way, in this block
                    model._default_manager.bulk_create(objs[start:])
                    break
        return objs
    if _insert(shape, model, objs, db, connection) is None:
        return model._default_manager.bulk_create(objs)
    return objs


def _insert(
    shape: _Shape, model: type[Model], objs: list[Any], db: str, connection: Any
) -> list[Any] | None:
    """Write ``objs`` with the kept statement for their number; None (nothing written)
    when a value or the statement needs Django's own ``bulk_create``."""
    params = []
    for obj in objs:
        for field in shape.fields:
            value = field.pre_save(obj, add=True)
            if hasattr(value, "resolve_expression"):
                return None
            params.append(field.get_db_prep_save(value, connection=connection))
    found = _statement(shape, model, objs, db)
    if found is None:
        return None
    sql, converters = found
    with transaction.mark_for_rollback_on_error(using=db), connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if len(rows) != len(objs):
        raise AssertionError("insert_new: the database returned another number of rows")
    for obj, row in zip(objs, rows, strict=True):
        if converters:
            values = list(row)
            for pos, (functions, expression) in converters:
                for convert in functions:
                    values[pos] = convert(values[pos], expression, connection)
            row = values
        for value, field in zip(row, shape.returning, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = db
    return objs
