"""Password sign-in throttling, per account and per client address, shared by every process.

Why our own counter and not django-axes or DRF throttles: DRF's throttles keep counts in
Django's cache, which is per-process memory unless a shared cache is configured, and they
only cover DRF views; django-axes covers Django's ``authenticate()`` but answers a locked
account with its own response (403 or a template) and knows nothing of the API's JSON
error envelope or of the one-time-code step. Both sign-in doors here (``/accounts/login/``
and ``/api/v1/auth/token/``) call `refusal` before checking a password and `failed` after
a wrong one; rows live in the database (`SignInFailure`), so N gunicorn processes on M
machines count together with no extra service.

Rule: at most ``account_limit`` failures per username and ``address_limit`` per address in
any ``window_seconds``; past that, every attempt is refused -- the right password too --
until enough failures age out of the window. The answer is 429 with ``Retry-After``: the
seconds until the oldest failure that keeps the limit reached leaves the window.
A successful sign-in clears its username's failures (not its address's).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from sladesk.core.time import now as clock_now

from .conf import conf
from .models import SignInFailure

__all__ = ["client_address", "failed", "refusal", "succeeded"]

ACCOUNT, ADDRESS = "account", "address"


def _clean(text: str) -> str:
    """A key safe to store: NUL and other control characters dropped (PostgreSQL text
    refuses NUL; a hostile username must get a refusal, not a 500), at most 255 long."""
    return "".join(ch for ch in text if ch.isprintable())[:255]


def _account(username: str) -> str:
    return _clean(username.strip().lower())


def client_address(request: Any) -> str:
    """The client's IP: the last entry of the configured proxy header, else REMOTE_ADDR."""
    header = conf().client_ip_header
    if header:
        raw = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        hops = [h.strip() for h in raw.split(",") if h.strip()]
        if hops:
            return _clean(hops[-1])
    return _clean(str(request.META.get("REMOTE_ADDR") or "unknown"))


def _keys(request: Any, username: str) -> list[tuple[str, str, int]]:
    c = conf()
    keys = [(ADDRESS, client_address(request), c.address_limit)]
    if username:
        keys.append((ACCOUNT, _account(username), c.account_limit))
    return keys


def refusal(request: Any, username: str) -> int | None:
    """Seconds to wait if this address or username is over its limit now, else None."""
    current = clock_now()
    window = timedelta(seconds=conf().window_seconds)
    waits = []
    for scope, key, limit in _keys(request, username):
        nth = (
            SignInFailure.objects.filter(scope=scope, key=key, failed_at__gt=current - window)
            .order_by("-failed_at")
            .values_list("failed_at", flat=True)[limit - 1 : limit]
        )
        for failed_at in nth:
            waits.append(max(1, math.ceil((failed_at + window - current).total_seconds())))
    return max(waits) if waits else None


def failed(request: Any, username: str) -> None:
    """Record one failed attempt (wrong password or code) and drop rows past the window."""
    current = clock_now()
    keys = _keys(request, username)
    SignInFailure.objects.bulk_create(
        [SignInFailure(scope=scope, key=key, failed_at=current) for scope, key, _ in keys]
    )
    cutoff = current - timedelta(seconds=conf().window_seconds)
    for scope, key, _ in keys:
        SignInFailure.objects.filter(scope=scope, key=key, failed_at__lte=cutoff).delete()


def succeeded(username: str) -> None:
    """The account signed in: its failures no longer count."""
    SignInFailure.objects.filter(scope=ACCOUNT, key=_account(username)).delete()
