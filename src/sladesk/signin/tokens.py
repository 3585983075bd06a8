"""Named API tokens: issue, look up, revoke (the only writers of `ApiToken`).

A key is 40 random URL-safe characters (``secrets.token_urlsafe(30)``); the database keeps
its SHA-256 (a key has 240 bits of entropy, so a plain digest cannot be brute-forced the
way a password could, and lookups stay one indexed equality). DRF's single authtoken keys
from before are moved here by migration ``signin.0002`` (digest of the same key), so
clients holding one keep working.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from sladesk.core.time import now as clock_now

from .models import ApiToken

__all__ = [
    "LAST_USED_EVERY",
    "active_tokens",
    "digest_of",
    "issue_token",
    "password_stamp",
    "revoke_token",
    "token_in_force",
    "touch",
]

#: ``last_used_at`` is written at most this often per token (not a write per request).
LAST_USED_EVERY = timedelta(minutes=5)


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def password_stamp(user: Any) -> str:
    """A digest of the user's current password hash: changes whenever the password does."""
    return hashlib.sha256(f"sladesk-api-token:{user.password}".encode()).hexdigest()


def issue_token(
    user: Any, name: str, *, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token for ``user`` named ``name``; returns the row and the key (shown once)."""
    key = secrets.token_urlsafe(30)
    token = ApiToken.objects.create(
        user=user,
        name=name.strip()[:100] or "api",
        prefix=key[:8],
        digest=digest_of(key),
        password_stamp=password_stamp(user),
        expires_at=expires_at,
    )
    return token, key


def token_in_force(token: ApiToken, at: datetime | None = None) -> str | None:
    """Why ``token`` (with its user loaded) may not be used now, or None if it may."""
    at = at or clock_now()
    if token.revoked_at is not None:
        return "This token was revoked."
    if token.expires_at is not None and token.expires_at <= at:
        return "This token has expired."
    if token.password_stamp != password_stamp(token.user):
        return "This token was revoked when the password changed."
    if not token.user.is_active:
        return "User inactive or deleted."
    return None


def touch(token: ApiToken, at: datetime | None = None) -> None:
    """Record use, at most once per `LAST_USED_EVERY`."""
    at = at or clock_now()
    if token.last_used_at is None or at - token.last_used_at >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)
        token.last_used_at = at


def active_tokens(user: Any) -> QuerySet[ApiToken]:
    """The user's tokens that are neither revoked nor expired (newest first)."""
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=clock_now())
    )


def revoke_token(user: Any, token_id: int) -> ApiToken:
    """Revoke the user's own token ``token_id`` (raises ``ApiToken.DoesNotExist`` for
    another user's token: it is not theirs to see). Revoking twice keeps the first time."""
    token = ApiToken.objects.get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = clock_now()
        token.save(update_fields=["revoked_at"])
    return token
