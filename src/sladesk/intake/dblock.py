"""One writer at a time, first come first served, on SQLite.

SQLite has one write lock per database; waiting writers poll it with sleeps of up to
100 ms, so a busy processing loop that takes the lock back at once starves the SMTP
threads waiting to store (measured: 3 messages/s). In one process the writers of the email
channel queue here instead, in arrival order; other processes still meet SQLite's busy
timeout. On PostgreSQL this is a no-op (row locks, concurrent writers).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

__all__ = ["sqlite_writer"]


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
