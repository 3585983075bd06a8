"""Secrets stored in the database, encrypted at rest (Fernet: AES-128-CBC + HMAC-SHA256).

The key is derived (HKDF-SHA256, info ``sladesk-db-secrets``) from ``settings.SLADESK_SECRET``
when set (environment ``SLADESK_SECRET``), else from ``SECRET_KEY`` (values written under a
key listed in ``SECRET_KEY_FALLBACKS`` stay readable). Rotating that secret without
keeping the old one as a fallback makes stored values unreadable: `decrypt` then returns
``""`` and logs which value failed, and the value has to be entered again.
`EncryptedTextField` holds such a value: Python code
sees the plain text, the database only ``fernet:<token>``; a value without the prefix
(written before encryption, see ``intake/migrations/0002``) is read as plain text.
"""

from __future__ import annotations

import base64
import logging
import os
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

__all__ = ["PREFIX", "EncryptedTextField", "decrypt", "encrypt"]

logger = logging.getLogger(__name__)

#: Marks an encrypted value in the database.
PREFIX = "fernet:"

_cache: dict[tuple[str, ...], MultiFernet] = {}


def _derive(secret: str) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"sladesk-db-secrets").derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(key))


def _fernet() -> MultiFernet:
    """Encrypts with the current secret; decrypts with it or, while ``SLADESK_SECRET`` is
    unset, with a ``SECRET_KEY_FALLBACKS`` key (so rotating ``SECRET_KEY`` keeps stored
    values readable while the old key stays listed as a fallback)."""
    own = str(getattr(settings, "SLADESK_SECRET", "") or os.environ.get("SLADESK_SECRET") or "")
    secrets = (
        (own,) if own else (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ()))
    )
    if secrets not in _cache:
        _cache.clear()
        _cache[secrets] = MultiFernet([_derive(s) for s in secrets])
    return _cache[secrets]


def encrypt(plain: str) -> str:
    """``fernet:<token>`` for ``plain``; ``""`` stays ``""`` (no secret set)."""
    if not plain:
        return ""
    return PREFIX + _fernet().encrypt(plain.encode()).decode("ascii")


def decrypt(stored: str) -> str:
    """The plain text of a stored value; plain text written before encryption is returned
    as it is; a token the current key cannot open gives ``""`` (logged)."""
    if not stored or not stored.startswith(PREFIX):
        return stored or ""
    try:
        return _fernet().decrypt(stored[len(PREFIX) :].encode("ascii")).decode()
    except (InvalidToken, ValueError):
        logger.warning(
            "a stored secret cannot be decrypted (SLADESK_SECRET or SECRET_KEY changed?): "
            "enter it again"
        )
        return ""


class EncryptedTextField(models.TextField):
    """A text column whose value is encrypted at rest (see module docstring).

    Not searchable or orderable by value (each write gets a fresh token)."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        return value if value is None else decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return value if value is None else encrypt(str(value))
