"""The database's clock: the one every worker agrees on, whatever the host clocks say."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import connection

__all__ = ["db_now", "skip_locked"]


def db_now() -> datetime:
    """The database server's current instant (aware UTC).

    PostgreSQL ``STATEMENT_TIMESTAMP()``; SQLite ``strftime(... 'now')`` (milliseconds),
    the same instants `django.db.models.functions.Now` produces.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT STATEMENT_TIMESTAMP()")
        else:
            cursor.execute("SELECT STRFTIME('%Y-%m-%d %H:%M:%f', 'now')")
        value = cursor.fetchone()[0]
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def skip_locked() -> bool:
    """Whether claims can use ``FOR UPDATE SKIP LOCKED`` (PostgreSQL). On SQLite one worker
    runs and ``BEGIN IMMEDIATE`` transactions serialise writers instead."""
    return bool(connection.features.has_select_for_update_skip_locked)
