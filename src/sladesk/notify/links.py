"""Links put into notifications (absolute, from ``SLADESK_NOTIFY["public_url"]``), and the
signed tokens some of them carry.

`sign_link` / `read_link` are how a link carries a claim (``{"page": 12}``) a receiver can
use without signing in: Django's signing (HMAC-SHA256 with ``SECRET_KEY``, verified with
``SECRET_KEY_FALLBACKS`` too, so rotating the key keeps links alive until they expire). The
token carries the claim and the time it was issued, nothing else: no part of any key
(page keys and idempotency keys are what receivers see, so a token built from them would
be forgeable by every receiver). A token is valid for ``max_age`` after it was issued and
never before: one dated in the future (more than `CLOCK_SKEW` ahead of this server) is
refused, whoever signed it.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from django.core import signing
from django.urls import NoReverseMatch, reverse

from .conf import conf

__all__ = ["CLOCK_SKEW", "absolute", "read_link", "sign_link", "ticket_url"]

#: How far ahead of this server's clock a token's issue time may be (another machine's
#: clock may run a little fast); beyond it the token is refused.
CLOCK_SKEW = timedelta(minutes=5)


def absolute(path: str) -> str:
    return conf().public_url.rstrip("/") + path


def ticket_url(ticket_id: int) -> str:
    """The link to the ticket shown in notifications: the agent desk's ticket page."""
    for name in ("desk:ticket", "admin:tickets_ticket_change"):
        try:
            return absolute(reverse(name, args=[ticket_id]))
        except NoReverseMatch:
            continue
    return absolute(f"/desk/tickets/{ticket_id}/")


def sign_link(claim: dict[str, Any], *, salt: str, now: float | None = None) -> str:
    """A URL-safe signed token of ``claim`` plus its issue time (seconds, UTC epoch)."""
    issued = int(time.time() if now is None else now)
    return signing.dumps({**claim, "iat": issued}, salt=salt, compress=True)


def read_link(
    token: str, *, salt: str, max_age: timedelta, now: float | None = None
) -> dict[str, Any] | None:
    """The claim of a token `sign_link` made with ``salt``, if its signature holds (current
    key or a fallback) and it was issued in ``[now - max_age, now + CLOCK_SKEW]``; else None."""
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("iat"), int):
        return None
    current = time.time() if now is None else now
    age = current - data["iat"]
    if age > max_age.total_seconds() or -age > CLOCK_SKEW.total_seconds():
        return None
    return {k: v for k, v in data.items() if k != "iat"}
