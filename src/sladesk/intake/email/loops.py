"""Keeping the desk out of mail loops: which messages may open a ticket or trigger a reply.

:func:`should_create_ticket` says no to, in this order: bounces; auto-replies (see
:mod:`sladesk.intake.email.classify`); a message whose Message-ID is one sladesk sent itself
(our own mail coming back through a forwarding rule); a message *from* one of our own
addresses (a support alias writing to another). Such messages must also never get an
acknowledgement — that is what turns an out-of-office into a ping-pong loop.

:class:`SenderRateLimiter` is the last fence for loops with a human-looking mailer on the
other side: at most ``limit`` messages per sender in any sliding window of ``window``
(half-open ``(now - window, now]``). It is pure: the caller passes ``now`` (an aware
datetime) and holds the instance; nothing reads the clock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Container, Iterable
from datetime import datetime, timedelta

from sladesk.intake.email.parse import ParsedMessage

__all__ = ["SenderRateLimiter", "should_create_ticket"]


def should_create_ticket(
    parsed: ParsedMessage,
    *,
    own_message_ids: Container[str],
    own_addresses: Iterable[str],
) -> tuple[bool, str]:
    """``(True, "ok")`` when the message may open a ticket / get an automatic answer, else
    ``(False, reason)``. ``own_addresses`` are compared case-insensitively."""
    if parsed.is_bounce:
        return False, f"bounce: {parsed.bounce_reason}"
    if parsed.auto_submitted:
        return False, f"auto-reply: {parsed.auto_submitted_reason}"
    if not parsed.message_id_synthesised and parsed.message_id in own_message_ids:
        return False, f"our own message came back: {parsed.message_id}"
    own = {address.strip().lower() for address in own_addresses}
    if parsed.from_address and parsed.from_address.lower() in own:
        return False, f"sent from our own address {parsed.from_address}"
    return True, "ok"


class SenderRateLimiter:
    """Per-sender sliding-window counter: allow at most ``limit`` messages per ``window``.

    A refused message is not counted (a loop that is being refused does not extend its own
    ban forever). Sender addresses are compared lower-cased.
    """

    def __init__(self, limit: int, window: timedelta) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        if window <= timedelta(0):
            raise ValueError("window must be positive")
        self.limit = limit
        self.window = window
        self._seen: dict[str, deque[datetime]] = {}

    def allow(self, sender: str, now: datetime) -> bool:
        """Record a message from ``sender`` at ``now`` if under the limit; say if it was."""
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        key = sender.strip().lower()
        times = self._seen.setdefault(key, deque())
        horizon = now - self.window
        while times and times[0] <= horizon:
            times.popleft()
        if len(times) >= self.limit:
            return False
        times.append(now)
        return True

    def forget_idle(self, now: datetime) -> None:
        """Drop senders with no message inside the window (bounds memory on long runs)."""
        horizon = now - self.window
        for key in [key for key, times in self._seen.items() if not times or times[-1] <= horizon]:
            del self._seen[key]
