"""Sign-in protection settings: ``settings.SLADESK_SIGNIN`` > ``SLADESK_SIGNIN_*`` env > defaults.

Each key, with its env variable and default:

- ``account_limit`` (``SLADESK_SIGNIN_ACCOUNT_LIMIT``, 5): failures per username per window
- ``address_limit`` (``SLADESK_SIGNIN_ADDRESS_LIMIT``, 20): failures per client address per
  window
- ``window_seconds`` (``SLADESK_SIGNIN_WINDOW_SECONDS``, 900): the sliding window
- ``client_ip_header`` (``SLADESK_SIGNIN_CLIENT_IP_HEADER``, ""): e.g. ``X-Forwarded-For``:
  the last address in it (the one your proxy appended) is the client; "" = the socket's
  address
- ``require_two_factor`` (``SLADESK_SIGNIN_REQUIRE_TWO_FACTOR``, ""): ``admins`` or
  ``agents`` (agents and admins) must enrol TOTP; per user: the admin's "required" flag
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings

__all__ = ["SigninConf", "conf"]


@dataclass(frozen=True)
class SigninConf:
    account_limit: int = 5
    address_limit: int = 20
    window_seconds: int = 900
    client_ip_header: str = ""
    require_two_factor: str = ""


def conf() -> SigninConf:
    """The current settings (read per call: tests override them)."""
    overrides: dict[str, Any] = dict(getattr(settings, "SLADESK_SIGNIN", {}) or {})
    values: dict[str, Any] = {}
    for f in fields(SigninConf):
        raw = overrides.get(f.name, os.environ.get(f"SLADESK_SIGNIN_{f.name.upper()}"))
        if raw is not None:
            values[f.name] = int(raw) if isinstance(f.default, int) else str(raw).strip().lower()
    return SigninConf(**values)
