"""Migration operations that keep a busy PostgreSQL table writable while they run.

``CREATE INDEX`` holds a SHARE lock on its table for the whole build: on a desk with a
million tickets every ``open_ticket``, reply and timer update waits minutes for it.
``CREATE INDEX CONCURRENTLY`` takes a SHARE UPDATE EXCLUSIVE lock instead (reads and
writes go on) and builds in two passes; it cannot run inside a transaction, so a
migration that uses these operations declares ``atomic = False``.

Django's own `AddIndexConcurrently` / `RemoveIndexConcurrently`
(``django.contrib.postgres.operations``) are PostgreSQL only: on SQLite they fail. The
subclasses here are those operations on PostgreSQL and Django's plain `AddIndex` /
`RemoveIndex` elsewhere (SQLite is one process's embedded file: nothing waits on it), so
one migration serves both databases. The model state they record is `AddIndex`'s, so
``makemigrations --check`` sees no difference.

An interrupted concurrent build (a killed ``migrate``) leaves an INVALID index behind and
the migration unapplied: ``DROP INDEX CONCURRENTLY <name>``, then migrate again.
`tests/core/test_migration_safety.py` fails on any plain index build on a large table.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.operations import AddIndexConcurrently as _PgAddIndexConcurrently
from django.contrib.postgres.operations import RemoveIndexConcurrently as _PgRemoveIndexConcurrently
from django.db.migrations.operations import AddConstraint, AddIndex, RemoveIndex
from django.db.models import UniqueConstraint

__all__ = ["AddConstraintConcurrently", "AddIndexConcurrently", "RemoveIndexConcurrently"]


class AddIndexConcurrently(_PgAddIndexConcurrently):
    """``CREATE INDEX CONCURRENTLY`` on PostgreSQL, a plain ``AddIndex`` elsewhere."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class RemoveIndexConcurrently(_PgRemoveIndexConcurrently):
    """``DROP INDEX CONCURRENTLY`` on PostgreSQL, a plain ``RemoveIndex`` elsewhere."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
        else:
            RemoveIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)
        else:
            RemoveIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)


class AddConstraintConcurrently(AddConstraint):
    """A partial `UniqueConstraint` (one with a ``condition``), which PostgreSQL holds as a
    unique index, built with ``CREATE UNIQUE INDEX CONCURRENTLY``: the same index, and the
    same name, as Django's ``AddConstraint`` makes, without blocking writes while it builds
    (the migration must be ``atomic = False``). Elsewhere a plain ``AddConstraint``. If the
    build finds duplicates it fails and leaves an INVALID index: drop it, fix the rows,
    migrate again."""

    atomic = False

    def __init__(self, model_name: str, constraint: UniqueConstraint) -> None:
        if not isinstance(constraint, UniqueConstraint) or constraint.condition is None:
            raise ValueError("AddConstraintConcurrently takes a UniqueConstraint with a condition")
        super().__init__(model_name, constraint)

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)
            return
        if schema_editor.connection.in_atomic_block:
            raise RuntimeError("AddConstraintConcurrently needs atomic = False on its migration")
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            sql = str(self.constraint.create_sql(model, schema_editor))
            if not sql.startswith("CREATE UNIQUE INDEX "):
                raise RuntimeError(f"unexpected constraint SQL: {sql}")
            schema_editor.execute(
                sql.replace("CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX CONCURRENTLY ", 1),
                params=None,
            )
