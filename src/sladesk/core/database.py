"""The database every process shares: its clock, its write lock, connection hygiene.

- `db_now`: the database's current instant, the one every worker agrees on whatever the
  host clocks say (due timers, outbox leases, periodic slots are read against it).
- `sqlite_writer`, `write_transaction`, `skip_locked`: how writers take the database's
  write locks. SQLite has one write lock per database; waiting writers poll it with sleeps
  of up to 100 ms, so a busy loop that takes the lock back at once starves the others
  (measured: the SMTP threads stored 3 messages/s; deliveries ran 4-6 s behind the timer
  loop). In one process the writers queue here instead, first come first served: the
  e-mail channel's threads and the notify worker's loops. Other processes still meet
  SQLite's busy timeout. On PostgreSQL (row locks, concurrent writers, ``SKIP LOCKED``)
  the queue is a no-op.
- `refresh_connection`: what a long-lived thread does before its next unit of work.

One module for the whole process: the e-mail channel and the notify layer use the same
queue, and neither imports the other for it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from django.db import close_old_connections, connection, transaction

__all__ = ["db_now", "refresh_connection", "skip_locked", "sqlite_writer", "write_transaction"]


class _FifoLock:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._next = 0
        self._serving = 0

    def acquire(self) -> None:
        with self._cond:
            ticket = self._next
            self._next += 1
            while ticket != self._serving:
                self._cond.wait()

    def release(self) -> None:
        with self._cond:
            self._serving += 1
            self._cond.notify_all()


_lock = _FifoLock()


@contextmanager
def sqlite_writer() -> Iterator[None]:
    """Hold the process-wide FIFO writer lock when the database is SQLite."""
    if connection.vendor != "sqlite":
        yield
        return
    _lock.acquire()
    try:
        yield
    finally:
        _lock.release()


def refresh_connection() -> None:
    """Before a long-lived thread's next unit of work: drop a broken or (PostgreSQL)
    too old connection, as Django does between requests. A healthy SQLite connection is
    kept: the settings' ``CONN_MAX_AGE = 0`` would otherwise reopen it for every stored
    message (connect, PRAGMAs, Django's SQL functions, a cold page cache — measured
    about a fifth of the SMTP path's CPU)."""
    healthy = (
        connection.connection is not None
        and connection.is_usable()
        and not connection.errors_occurred
    )
    if connection.vendor == "sqlite" and healthy:
        return
    close_old_connections()


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
    process's first-come-first-served writer queue (`sqlite_writer`).

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
