"""The database's clock (the one every worker agrees on, whatever the host clocks say) and
how the workers take the database's write locks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from django.db import connection, transaction

from sladesk.core.dblock import sqlite_writer

__all__ = ["db_now", "skip_locked", "write_transaction"]


def db_now() -> datetime:
    """The database server's current instant (aware UTC).

    PostgreSQL ``STATEMENT_TIMESTAMP()``. SQLite is embedded: its clock is this host's
    clock, read here to the microsecond. (SQLite's own ``strftime(..., 'now')`` has only
    milliseconds, so a row queued at ``now()`` in the same millisecond read as not yet due
    and ``sladesk worker --once`` could miss it.)
    """
    if connection.vendor != "postgresql":
        return datetime.now(UTC)
    with connection.cursor() as cursor:
        cursor.execute("SELECT STATEMENT_TIMESTAMP()")
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


@contextmanager
def write_transaction() -> Iterator[None]:
    """``transaction.atomic()`` for a worker's write; on SQLite, first a turn in this
    process's first-come-first-served writer queue (`sladesk.core.dblock.sqlite_writer`).

    SQLite has one write lock and every transaction takes it at ``BEGIN IMMEDIATE``; a
    writer that finds it taken polls with growing sleeps (up to 100 ms). With timers firing
    100 times a second the timer loop held the lock most of the time and the delivery loop,
    polling, rarely got in (benchmarks/timer_latency.py: deliveries 4-6 s behind). Queued
    in-process, the timer loop, the delivery loop and the e-mail intake take turns. Inside
    an open transaction (nested use, tests) this is a plain savepoint: the outer
    transaction already holds the lock. On PostgreSQL it is ``transaction.atomic()``.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    with sqlite_writer(), transaction.atomic():
        yield
