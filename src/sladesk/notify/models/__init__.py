"""Durable timers, on-call pages and the transactional outbox (one module per concept)."""

from .outbox import CLAIMABLE, OutboxMessage, OutboxState
from .page import Page, PageState
from .timer import Timer, TimerKind, TimerState

__all__ = [
    "CLAIMABLE",
    "OutboxMessage",
    "OutboxState",
    "Page",
    "PageState",
    "Timer",
    "TimerKind",
    "TimerState",
]
