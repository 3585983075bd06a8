"""Helpers of the timer and outbox tests (plain functions; the ``desk`` fixture is in
`support.fixtures.timers`)."""

from __future__ import annotations

from datetime import datetime

__all__ = ["drain"]


def drain(at: datetime) -> tuple[int, int]:
    """Run the worker once (timers, then deliveries, until nothing is due) as if the
    database clock read ``at``."""
    from sladesk.notify.worker import drain as worker_drain

    return worker_drain(now=at)
