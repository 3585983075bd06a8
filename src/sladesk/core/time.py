"""The product's time source: the current instant, read in one place.

Every service reads the current instant through `now()`; nothing else calls
``datetime.now()`` or ``timezone.now()``. Tests freeze time by replacing one function:
``monkeypatch.setattr("sladesk.core.time.source", lambda: instant)`` (the ``frozen_now``
fixture in ``tests/support/fixtures/accounts.py`` does this).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

__all__ = ["now", "source", "system_now", "travel"]


def system_now() -> datetime:
    """The wall clock, as an aware UTC datetime."""
    return datetime.now(UTC)


#: The function `now()` delegates to; replace it (and only it) to freeze time.
source = system_now


def now() -> datetime:
    """The current instant (aware, UTC unless a test froze it in another zone)."""
    at = source()
    if at.tzinfo is None:
        raise ValueError("sladesk.core.time.source returned a naive datetime")
    return at


@contextmanager
def travel(at: datetime) -> Iterator[datetime]:
    """Within the block, `now()` returns ``at`` (process-wide; not thread-safe).

    For one-shot, single-threaded jobs that must replay history at given instants, such as
    the demo data loader before the server starts. Tests use the ``frozen_now`` fixture.
    """
    global source
    if at.tzinfo is None:
        raise ValueError("travel() needs an aware datetime")
    saved = source
    source = lambda: at  # noqa: E731
    try:
        yield at
    finally:
        source = saved
