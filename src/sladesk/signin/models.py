"""What sign-in protection stores: failed attempts, API tokens, second factors."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sladesk.core.secrets import EncryptedTextField
from sladesk.core.time import now

__all__ = ["ApiToken", "SecondFactor", "SignInFailure"]


class SignInFailure(models.Model):
    """One failed sign-in (wrong password or one-time code) by account or by address.

    Two rows per failure: ``scope="account"`` keyed by the lower-cased username (existing
    or not, so that a lockout says nothing about which accounts exist) and
    ``scope="address"`` keyed by the client's IP address. `sladesk.signin.throttle` counts
    the rows of the last window; rows older than the window are deleted as new ones come.
    Kept in the database so every gunicorn process and machine sees the same count.
    """

    scope = models.CharField(max_length=16)
    key = models.CharField(max_length=255)
    failed_at = models.DateTimeField(default=now)

    class Meta:
        indexes = [models.Index(fields=["scope", "key", "failed_at"], name="signin_failure_lookup")]

    def __str__(self) -> str:
        return f"{self.scope} {self.key} at {self.failed_at:%Y-%m-%d %H:%M:%S}"


class ApiToken(models.Model):
    """A named API credential of one user (``Authorization: Token|Bearer <key>``).

    Only ``digest`` (SHA-256 of the key) is stored; the key is shown once when issued.
    ``prefix`` (the key's first 8 characters) lets the owner tell tokens apart. A token
    stops working when revoked, when ``expires_at`` has passed, or when the user's password
    changes: ``password_stamp`` is a digest of the password hash at issue time, compared on
    every use (the same idea as Django's session auth hash, so every way of changing a
    password -- reset mail, admin, ``changepassword`` -- revokes without a signal).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=8)
    digest = models.CharField(max_length=64, unique=True)
    password_stamp = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}...)"


class SecondFactor(models.Model):
    """A user's TOTP authenticator (RFC 6238, 30 s steps, 6 digits), or the admin's demand
    that the user enrol one (``required`` with no ``confirmed_at`` yet).

    ``secret`` is base32, encrypted at rest (`sladesk.core.secrets`). ``last_step`` is the
    last 30-second step a code was accepted for: a code is never accepted twice.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="second_factor"
    )
    secret = EncryptedTextField(blank=True, default="")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    required = models.BooleanField(
        default=False, help_text="The user must enrol before using the desk."
    )

    def __str__(self) -> str:
        return f"two-factor of {self.user}"

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and bool(self.secret)
