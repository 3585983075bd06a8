"""TOTP two-factor (RFC 6238: 30-second steps, 6 digits, SHA-1 -- what every authenticator
app speaks), on `pyotp`.

Why pyotp and not django-otp: django-otp brings a device framework (several device
models, a middleware that re-reads devices on every request, its own admin and login
form) for the one kind of device sladesk needs; with pyotp the device is one row
(`SecondFactor`, secret encrypted at rest) and the step is part of sladesk's own sign-in
page, throttled like the password. A code is accepted for the current step and one step
either side (clock drift), and never for a step at or before the last one accepted
(no replay).

Who must use it: users with ``SecondFactor.required`` (set by an admin), and agents or
admins when ``SLADESK_SIGNIN["require_two_factor"]`` is ``agents`` / ``admins``.
"""

from __future__ import annotations

import time
from typing import Any

import pyotp
from django.db import transaction

from sladesk.accounts.roles import Role, role_of
from sladesk.core.time import now as clock_now

from .conf import conf
from .models import SecondFactor

__all__ = [
    "ISSUER",
    "active_factor",
    "confirm_enrolment",
    "must_enrol",
    "provisioning_uri",
    "require_two_factor",
    "start_enrolment",
    "verify_code",
]

ISSUER = "sladesk"
_STEP = 30


def active_factor(user: Any) -> SecondFactor | None:
    """The user's confirmed authenticator, or None."""
    factor = SecondFactor.objects.filter(user=user).first()
    return factor if factor is not None and factor.active else None


def must_enrol(user: Any) -> bool:
    """The user has to set up an authenticator before using the desk or portal."""
    if not getattr(user, "is_authenticated", False) or active_factor(user) is not None:
        return False
    if SecondFactor.objects.filter(user=user, required=True).exists():
        return True
    policy = conf().require_two_factor
    role = role_of(user)
    return (policy == "admins" and role == Role.ADMIN) or (
        policy == "agents" and role in (Role.ADMIN, Role.AGENT)
    )


def require_two_factor(user: Any, required: bool = True) -> SecondFactor:
    """An admin's demand (or release) that ``user`` enrols an authenticator."""
    factor, _ = SecondFactor.objects.get_or_create(user=user)
    factor.required = required
    factor.save(update_fields=["required"])
    return factor


def start_enrolment(user: Any) -> SecondFactor:
    """An unconfirmed secret for ``user``: the pending one, or a fresh one if there is none
    (an active factor is kept as it is)."""
    factor, _ = SecondFactor.objects.get_or_create(user=user)
    if not factor.secret:
        factor.secret = pyotp.random_base32()
        factor.save(update_fields=["secret"])
    return factor


def provisioning_uri(factor: SecondFactor) -> str:
    """The ``otpauth://`` URI an authenticator app scans or imports."""
    return pyotp.TOTP(factor.secret).provisioning_uri(
        name=factor.user.get_username(), issuer_name=ISSUER
    )


def _accept(factor: SecondFactor, code: str, at: float) -> bool:
    code = "".join(ch for ch in str(code) if ch.isdigit())
    if len(code) != 6 or not factor.secret:
        return False
    totp = pyotp.TOTP(factor.secret)
    step = int(at) // _STEP
    for candidate in (step - 1, step, step + 1):
        if candidate > factor.last_step and totp.verify(code, for_time=candidate * _STEP):
            # Claim the step atomically: two requests with one code, only one wins.
            claimed = SecondFactor.objects.filter(pk=factor.pk, last_step__lt=candidate).update(
                last_step=candidate
            )
            if claimed:
                factor.last_step = candidate
                return True
    return False


def verify_code(user: Any, code: str, *, at: float | None = None) -> bool:
    """Whether ``code`` is a valid, unused code of the user's active authenticator."""
    factor = active_factor(user)
    return factor is not None and _accept(factor, code, time.time() if at is None else at)


@transaction.atomic
def confirm_enrolment(user: Any, code: str, *, at: float | None = None) -> bool:
    """Activate the pending secret if ``code`` matches it (proves the app has it)."""
    factor = SecondFactor.objects.select_for_update().filter(user=user).first()
    if factor is None or factor.active or not factor.secret:
        return False
    if not _accept(factor, code, time.time() if at is None else at):
        return False
    factor.confirmed_at = clock_now()
    factor.save(update_fields=["confirmed_at"])
    return True
