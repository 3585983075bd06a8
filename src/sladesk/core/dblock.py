"""One writer at a time, first come first served, on SQLite.

SQLite has one write lock per database; waiting writers poll it with sleeps of up to
100 ms, so a busy processing loop that takes the lock back at once starves the SMTP
threads waiting to store (measured: 3 messages/s). In one process the writers queue here
instead, in arrival order: the email channel (`sladesk.intake`) and, through
`sladesk.notify.dbclock.write_transaction`, the notify worker's loops. Other processes
still meet SQLite's busy timeout. On PostgreSQL this is a no-op (row locks, concurrent
writers).

It lives in `sladesk.core` because both the intake and the notify layers use the same
queue (one lock per process); neither of those layers imports the other for it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import close_old_connections, connection

__all__ = ["refresh_connection", "sqlite_writer"]


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
    healthy = connection.connection is not None and connection.is_usable() and not connection.errors_occurred
    if connection.vendor == "sqlite" and healthy:
        return
    close_old_connections()
