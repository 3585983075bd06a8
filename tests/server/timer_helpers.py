"""Helpers for the timer and outbox tests (plain functions; fixtures are in timer_support)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "notify"))

from notify_receivers import HttpReply, LoopbackHttpReceiver, SmtpCapture, http_receiver

__all__ = ["HttpReply", "LoopbackHttpReceiver", "SmtpCapture", "T", "drain", "http_receiver"]

T = datetime.fromisoformat


def drain(at: datetime) -> tuple[int, int]:
    """Run the worker once (timers, then deliveries, until nothing is due) as if the
    database clock read ``at``."""
    from sladesk.notify.worker import drain as worker_drain

    return worker_drain(now=at)
