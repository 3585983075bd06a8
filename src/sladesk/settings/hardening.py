"""Production mode: what ``SLADESK_ENV=production`` requires and turns on.

Pure functions over the environment (no Django import), called by `sladesk.settings.base`
while the settings load; a refused configuration raises `ImproperlyConfigured`-style
`ProductionConfigError` naming the environment variable to set, so gunicorn, ``sladesk
worker`` and ``sladesk manage`` all stop before serving anything.

What production mode sets (each overridable by the named variable, see docs/deployment.md):

- ``SECRET_KEY`` from ``SLADESK_SECRET_KEY``, required and strong (the same test as
  Django's ``security.W009``: at least 50 characters, at least 5 distinct, not the
  ``django-insecure-`` prefix, not the development key); ``SECRET_KEY_FALLBACKS`` from
  ``SLADESK_SECRET_KEY_FALLBACKS`` (comma separated), each as strong;
- ``ALLOWED_HOSTS`` from ``SLADESK_ALLOWED_HOSTS``, required (no default host);
- ``DEBUG`` off (``SLADESK_DEBUG=1`` is refused);
- Secure, HttpOnly session and CSRF cookies; HSTS for a year with sub-domains
  (``SLADESK_HSTS_SECONDS``, ``SLADESK_HSTS_INCLUDE_SUBDOMAINS``, ``SLADESK_HSTS_PRELOAD``);
  the HTTPS redirect (``SLADESK_SSL_REDIRECT``) except for ``/health/`` and ``/metrics``,
  which load balancers and Prometheus probe over plain HTTP inside the network;
- the header a TLS-terminating proxy sets (``SLADESK_SECURE_PROXY_HEADER``, e.g.
  ``X-Forwarded-Proto`` or ``X-Forwarded-Proto=https``): only set it when the proxy always
  overwrites that header, otherwise a client can claim HTTPS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "DEV_SECRET_KEY",
    "ProductionConfigError",
    "env_list",
    "proxy_ssl_header",
    "security_settings",
    "weak_key_reason",
]

#: The key development and tests run on; production refuses it.
DEV_SECRET_KEY = "dev-only-insecure-sladesk-key-change-me-in-production"

_MIN_LENGTH = 50
_MIN_UNIQUE = 5
_TRUE = {"1", "true", "yes", "on"}


class ProductionConfigError(Exception):
    """A production setting is missing or unsafe; the message names the variable."""


def env_list(raw: str | None) -> list[str]:
    """A comma-separated variable as a list, blanks dropped."""
    return [part.strip() for part in (raw or "").split(",") if part.strip()]


def weak_key_reason(key: str) -> str | None:
    """Why ``key`` is not a strong secret key (Django's W009 rules), or None if it is."""
    if not key:
        return "it is not set"
    if key == DEV_SECRET_KEY or key.startswith("django-insecure-"):
        return "it is the development key"
    if len(key) < _MIN_LENGTH:
        return f"it has {len(key)} characters; at least {_MIN_LENGTH} are needed"
    if len(set(key)) < _MIN_UNIQUE:
        return f"it has {len(set(key))} distinct characters; at least {_MIN_UNIQUE} are needed"
    return None


def proxy_ssl_header(raw: str) -> tuple[str, str] | None:
    """``SECURE_PROXY_SSL_HEADER`` from ``X-Forwarded-Proto`` or ``X-Forwarded-Proto=https``."""
    raw = raw.strip()
    if not raw:
        return None
    name, _, value = raw.partition("=")
    name = name.strip()
    if not name or any(c.isspace() for c in name):
        raise ProductionConfigError(
            f"SLADESK_SECURE_PROXY_HEADER={raw!r}: expected a header name such as "
            "X-Forwarded-Proto, optionally =https"
        )
    return ("HTTP_" + name.upper().replace("-", "_"), value.strip() or "https")


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    return default if raw is None else raw.strip().lower() in _TRUE


def security_settings(env: Mapping[str, str], *, production: bool) -> dict[str, Any]:
    """The security settings for ``env``: production mode's requirements and defaults, or
    the development defaults (any of them turned on by its own variable)."""
    out: dict[str, Any] = {}
    key = env.get("SLADESK_SECRET_KEY") or env.get("DJANGO_SECRET_KEY") or ""
    fallbacks = env_list(env.get("SLADESK_SECRET_KEY_FALLBACKS"))
    if production:
        reason = weak_key_reason(key)
        if reason:
            raise ProductionConfigError(
                f"SLADESK_ENV=production needs a strong SLADESK_SECRET_KEY ({reason}); "
                'generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
            )
        for n, old in enumerate(fallbacks, 1):
            reason = weak_key_reason(old)
            if reason:
                raise ProductionConfigError(
                    f"SLADESK_SECRET_KEY_FALLBACKS: key {n} is not strong ({reason})"
                )
        hosts = env_list(env.get("SLADESK_ALLOWED_HOSTS"))
        if not hosts:
            raise ProductionConfigError(
                "SLADESK_ENV=production needs SLADESK_ALLOWED_HOSTS (comma-separated host "
                "names this server answers to, e.g. support.example.com)"
            )
        if _flag(env, "SLADESK_DEBUG", False):
            raise ProductionConfigError(
                "SLADESK_ENV=production refuses SLADESK_DEBUG=1 (debug pages show settings "
                "and source to anyone)"
            )
        out["ALLOWED_HOSTS"] = hosts
        out["DEBUG"] = False
    out["SECRET_KEY"] = key or DEV_SECRET_KEY
    out["SECRET_KEY_FALLBACKS"] = fallbacks

    secure = _flag(env, "SLADESK_SECURE_COOKIES", production)
    out["SESSION_COOKIE_SECURE"] = secure
    out["CSRF_COOKIE_SECURE"] = secure
    out["SESSION_COOKIE_HTTPONLY"] = True
    hsts_default = "31536000" if production else "0"
    try:
        out["SECURE_HSTS_SECONDS"] = int(env.get("SLADESK_HSTS_SECONDS", hsts_default))
    except ValueError as exc:
        raise ProductionConfigError(
            "SLADESK_HSTS_SECONDS must be a whole number of seconds"
        ) from exc
    out["SECURE_HSTS_INCLUDE_SUBDOMAINS"] = _flag(
        env, "SLADESK_HSTS_INCLUDE_SUBDOMAINS", production
    )
    out["SECURE_HSTS_PRELOAD"] = _flag(env, "SLADESK_HSTS_PRELOAD", False)
    out["SECURE_SSL_REDIRECT"] = _flag(env, "SLADESK_SSL_REDIRECT", production)
    # Probes from inside the network speak plain HTTP (see module docstring).
    out["SECURE_REDIRECT_EXEMPT"] = [r"^health/$", r"^metrics$"]
    out["SECURE_PROXY_SSL_HEADER"] = proxy_ssl_header(env.get("SLADESK_SECURE_PROXY_HEADER", ""))
    out["CSRF_TRUSTED_ORIGINS"] = env_list(env.get("SLADESK_CSRF_TRUSTED_ORIGINS"))
    # HSTS preload is the domain owner's decision (it is sticky for months, for every
    # sub-domain); Django's check warns while it is off, so production silences that one
    # warning unless SLADESK_HSTS_PRELOAD is set: everything else check --deploy says counts.
    out["SILENCED_SYSTEM_CHECKS"] = [] if out["SECURE_HSTS_PRELOAD"] else ["security.W021"]
    return out
