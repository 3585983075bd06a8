"""The one clock of the product.

Every service reads the current instant through `now()`; nothing else calls
``datetime.now()`` or ``timezone.now()``. Tests freeze time by replacing one function:
``monkeypatch.setattr("sladesk.core.clock.source", lambda: instant)`` (the ``frozen_now``
fixture in ``tests/server/conftest.py`` does this).
"""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["now", "source", "system_now"]


def system_now() -> datetime:
    """The wall clock, as an aware UTC datetime."""
    return datetime.now(UTC)


#: The function `now()` delegates to; replace it (and only it) to freeze time.
source = system_now


def now() -> datetime:
    """The current instant (aware, UTC unless a test froze it in another zone)."""
    at = source()
    if at.tzinfo is None:
        raise ValueError("sladesk.core.clock.source returned a naive datetime")
    return at
