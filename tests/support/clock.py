"""The tests' clock: a frozen instant that `sladesk.core.time.now()` returns."""

from __future__ import annotations

from datetime import datetime

__all__ = ["FROZEN_AT", "FrozenClock", "T"]

T = datetime.fromisoformat
"""``T("2026-11-25T16:30:00-08:00")``: an aware instant from its ISO form."""

FROZEN_AT = T("2026-11-25T16:30:00-08:00")
"""Where ``frozen_now`` starts: Wednesday 25 Nov 2026, 16:30 in Los Angeles."""


class FrozenClock:
    """The test's clock: ``sladesk.core.time.source`` returns ``self.at``; move with ``set``."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def set(self, at: datetime) -> datetime:
        self.at = at
        return at

    def __call__(self) -> datetime:
        return self.at
