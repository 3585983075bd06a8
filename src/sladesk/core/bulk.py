"""Inserting many new rows of one model with one statement, without Django's per-value
SQL compilation.

`insert_rows` writes what ``Model.objects.bulk_create(objs)`` writes — every concrete
field's ``pre_save``/``get_db_prep_save`` value, the auto primary keys read back with
``RETURNING`` in row order (as Django itself relies on for SQLite and PostgreSQL) — but
builds the ``INSERT`` from a column list made once per model and repeats one ``(%s, …)``
group per row. Profiled on the email intake (2,000 messages, SQLite): Django's
``SQLInsertCompiler`` compiling a placeholder per value was ~0.3 ms of ~2.5 ms processing
per message. Anything this path does not cover (preset primary keys, expressions as
values, a model without an auto primary key, other backends) goes through ``bulk_create``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model

__all__ = ["insert_rows"]


def insert_rows(objs: Sequence[Model]) -> None:
    """Insert ``objs`` (new instances of one model) like ``bulk_create(objs)``; sets their
    ``pk`` and marks them saved. No signals (like ``bulk_create``)."""
    if not objs:
        return
    model = type(objs[0])
    alias = router.db_for_write(model)
    connection = connections[alias]
    meta = model._meta
    auto = meta.auto_field
    if (
        connection.vendor not in ("sqlite", "postgresql")
        or auto is None
        or any(obj.pk is not None or type(obj) is not model for obj in objs)
    ):
        model._default_manager.bulk_create(objs)  # type: ignore[attr-defined]
        return
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="bulk_create")
    fields, head, group = _statement(model, alias)
    if fields is None:
        model._default_manager.bulk_create(objs)  # type: ignore[attr-defined]
        return
    rows: list[list[Any]] = []
    for obj in objs:
        values = [f.pre_save(obj, True) for f in fields]
        if any(hasattr(v, "resolve_expression") for v in values):  # expressions: Django compiles them
            model._default_manager.bulk_create(objs)  # type: ignore[attr-defined]
            return
        rows.append([f.get_db_prep_save(v, connection) for f, v in zip(fields, values, strict=True)])
    per_batch = max(1, 999 // len(fields)) if connection.vendor == "sqlite" else 1000
    returning = f" RETURNING {_quoted(alias, auto.column)}"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), per_batch):
            chunk = objs[start : start + per_batch]
            params = [p for row in rows[start : start + per_batch] for p in row]
            cursor.execute(f"{head}{', '.join([group] * len(chunk))}{returning}", params)
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding, obj._state.db = False, alias

def _quoted(alias: str, name: str) -> str:
    return connections[alias].ops.quote_name(name)  # type: ignore[no-any-return]


@functools.cache
def _statement(model: type[Model], alias: str) -> tuple[list[Any] | None, str, str]:
    """(fields, ``INSERT INTO t (columns) VALUES ``, ``(%s, …)``) of ``model``, built once;
    fields None when the model has a generated column (left to ``bulk_create``)."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f is not meta.auto_field]
    if not fields or any(getattr(f, "generated", False) for f in fields):
        return None, "", ""
    columns = ", ".join(_quoted(alias, f.column) for f in fields)
    return fields, f"INSERT INTO {_quoted(alias, meta.db_table)} ({columns}) VALUES ", f"({', '.join(['%s'] * len(fields))})"
