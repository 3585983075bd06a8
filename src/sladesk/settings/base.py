"""Settings for sladesk, driven by environment variables.

Environment:

- ``DATABASE_URL``: any dj-database-url URL, e.g. ``postgres://postgres@127.0.0.1:5432/sladesk``.
  Default: the SQLite file ``<repo>/var/sladesk.sqlite3`` in WAL mode with a 20 s busy
  timeout and ``BEGIN IMMEDIATE`` transactions (the web server and the background worker
  share it without "database is locked" upgrade failures).
- ``SLADESK_ENV``: ``production`` refuses to start without a strong ``SLADESK_SECRET_KEY``
  and ``SLADESK_ALLOWED_HOSTS`` and turns on Secure cookies, HSTS and the HTTPS redirect
  (`sladesk.settings.hardening`; docs/deployment.md lists every variable).
- ``SLADESK_SECRET_KEY``: required in production; a fixed development key otherwise.
  ``SLADESK_SECRET_KEY_FALLBACKS``: older keys still accepted while links signed with
  them expire (rotation).
- ``SLADESK_DEBUG``: ``1``/``true`` turns on Django's debug mode (default off).
- ``SLADESK_ALLOWED_HOSTS``: comma separated (default ``127.0.0.1,localhost``).
- ``SLADESK_POLICY_DIR``: where the policy files (``*.yaml``) live (default ``<repo>/policies``).
- ``SLADESK_DEFAULT_POLICY``: the policy a new organization runs under
  (default ``particle-enterprise``).
- ``SLADESK_REOPEN_WINDOW_DAYS``: how long after "solved" a customer reply reopens the ticket
  instead of opening a follow-up (default 7 days).

All datetimes are aware; the database stores UTC (``USE_TZ = True``, ``TIME_ZONE = "UTC"``).
Display zones live on organizations, contacts and agents.
"""

from __future__ import annotations

import os
from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from sladesk.api.drf_settings import SPECTACULAR as API_SCHEMA_SETTINGS

from .hardening import DEV_SECRET_KEY, ProductionConfigError, security_settings
from .sso import oidc_settings


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


#: The repository root (``src/sladesk/settings/base.py`` -> three levels up from ``src``).
BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(os.environ.get("SLADESK_VAR_DIR", BASE_DIR / "var"))

DEBUG = _env_bool("SLADESK_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("SLADESK_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
    if h.strip()
]
#: ``production`` requires a strong key and explicit hosts and turns on Secure cookies, HSTS
#: and the HTTPS redirect (`sladesk.settings.hardening`, docs/deployment.md).
SLADESK_ENV = os.environ.get("SLADESK_ENV", "development").strip().lower()
if SLADESK_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"SLADESK_ENV={SLADESK_ENV!r}: expected development or production")
try:
    _security = security_settings(os.environ, production=SLADESK_ENV == "production")
except ProductionConfigError as _refused:
    raise ImproperlyConfigured(str(_refused)) from None
globals().update(_security)  # SECRET_KEY, SECRET_KEY_FALLBACKS, cookies, HSTS, redirect ...
SECRET_KEY: str = _security["SECRET_KEY"]
#: The published development key, for `sladesk.core.checks` (core may not import settings).
SLADESK_DEV_SECRET_KEY = DEV_SECRET_KEY

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served by WhiteNoise (no CDN)
    "sladesk.core",
    "sladesk.accounts",
    "sladesk.signin",
    "sladesk.tickets",
    "sladesk.demo",
    "django_htmx",
    "sladesk.web",
    "sladesk.desk",
    "sladesk.portal",
]
# Apps written by other parts of the team join when they exist (no edit here needed).
INSTALLED_APPS += [
    app
    for app in (
        "sladesk.api",
        "sladesk.intake",
        "sladesk.notify",
        "sladesk.oncall",
        "sladesk.status",
        "sladesk.satisfaction",
        "sladesk.macros",
        "sladesk.reports",
    )
    if find_spec(app) is not None and find_spec(f"{app}.apps") is not None
]

MIDDLEWARE = [
    "sladesk.core.request_id.RequestIdMiddleware",  # first: every log line of the request has it
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "sladesk.web.signin.EnrolmentMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "sladesk.web.middleware.MisconfigurationMiddleware",
]

ROOT_URLCONF = "sladesk.urls"
WSGI_APPLICATION = "sladesk.wsgi.application"
ASGI_APPLICATION = "sladesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sladesk.web.context_processors.viewer",
            ],
        },
    },
]

# --------------------------------------------------------------------------- database
SQLITE_PATH = VAR_DIR / "sladesk.sqlite3"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{SQLITE_PATH}",  # empty = unset
        conn_max_age=int(os.environ.get("SLADESK_CONN_MAX_AGE", "60")),
        # A "SELECT 1" before the first query of every request; off by default: a dropped
        # connection then fails one request per thread and is replaced
        # (SLADESK_CONN_HEALTH_CHECKS=1).
        conn_health_checks=os.environ.get("SLADESK_CONN_HEALTH_CHECKS", "0") == "1",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with psycopg's C timestamp loader (sladesk.core.postgresql.base).
    DATABASES["default"]["ENGINE"] = "sladesk.core.postgresql"
    # Server-side parameters and prepared statements: a query psycopg has run 5 times on a
    # connection is prepared, so PostgreSQL parses and plans it once, not per request
    # (planning was 0.3-2.5 ms of each API query). SLADESK_PG_PREPARE=0 turns both off
    # (a pooler in transaction mode, e.g. PgBouncer < 1.21, cannot keep prepared statements).
    if os.environ.get("SLADESK_PG_PREPARE", "1") != "0":
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            {"server_side_binding": True, "prepare_threshold": 5}
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,  # busy timeout, seconds
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    if DATABASES["default"]["NAME"] == str(SQLITE_PATH):
        VAR_DIR.mkdir(parents=True, exist_ok=True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# collectstatic target (production); unset for dev, where WhiteNoise serves from the finders.
_static_root = os.environ.get("SLADESK_STATIC_ROOT")
STATIC_ROOT = Path(_static_root) if _static_root else None
WHITENOISE_USE_FINDERS = True  # serve app static files without collectstatic (dev / demo)
MEDIA_URL = "media/"
MEDIA_ROOT = VAR_DIR / "media"

LOGIN_URL = "/accounts/login/"  # one sign-in page for agents and contacts (sladesk.web)
LOGIN_REDIRECT_URL = "/"  # after single sign-on: the landing page by role
# Single sign-on for agents (OpenID Connect) when SLADESK_OIDC_CLIENT_ID is set
# (sladesk.signin.oidc; docs/deployment.md lists the SLADESK_OIDC_* variables).
try:
    _oidc = oidc_settings(os.environ)
except ValueError as _half_configured:
    raise ImproperlyConfigured(str(_half_configured)) from None
globals().update(_oidc)
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"] + (
    ["sladesk.signin.oidc.AgentOIDCBackend"] if _oidc else []
)
# Password reset mail: console in development; set SLADESK_EMAIL_BACKEND in production.
EMAIL_BACKEND = os.environ.get(
    "SLADESK_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)

# --------------------------------------------------------------------------- REST API
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "sladesk.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON with size (SLADESK_API_MAX_JSON_BYTES) and depth limits (sladesk.api.parsers).
    "DEFAULT_PARSER_CLASSES": [
        "sladesk.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
# The schema's own settings (enum names, path prefix ...) live with the API; the global ones
# add what serving the docs needs, so `check` sees the same enum names as /api/schema/.
SPECTACULAR_SETTINGS = {
    **API_SCHEMA_SETTINGS,
    "SERVE_INCLUDE_SCHEMA": False,
    # /api/docs/ loads Swagger UI from this server, not from a CDN: a self-hosted desk's
    # API docs must work on a network without internet access.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --------------------------------------------------------------------------- sladesk
SLADESK_API_MAX_JSON_BYTES = int(os.environ.get("SLADESK_API_MAX_JSON_BYTES", str(1024 * 1024)))
SLADESK_POLICY_DIR = Path(os.environ.get("SLADESK_POLICY_DIR", BASE_DIR / "policies"))
SLADESK_DEFAULT_POLICY = os.environ.get("SLADESK_DEFAULT_POLICY", "particle-enterprise")
SLADESK_REOPEN_WINDOW = timedelta(days=float(os.environ.get("SLADESK_REOPEN_WINDOW_DAYS", "7")))
SLADESK_BIND = os.environ.get("SLADESK_BIND", "127.0.0.1:8000")
# Email channel (sladesk.intake; more in SLADESK_EMAIL / SLADESK_EMAIL_* — docs/email.md).
# Inbound SMTP for `sladesk run` ("" = off); outbound mail goes to EMAIL_HOST:EMAIL_PORT.
SLADESK_SMTP_BIND = os.environ.get("SLADESK_SMTP_BIND", "127.0.0.1:2525")
SLADESK_EMAIL: dict[str, object] = {}
EMAIL_HOST = os.environ.get("SLADESK_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("SLADESK_EMAIL_PORT", "25"))
EMAIL_USE_TLS = _env_bool("SLADESK_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _env_bool("SLADESK_EMAIL_USE_SSL", False)
EMAIL_HOST_USER = os.environ.get("SLADESK_EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("SLADESK_EMAIL_HOST_PASSWORD", "")
DEFAULT_FROM_EMAIL = os.environ.get("SLADESK_DEFAULT_FROM_EMAIL", "support@support.example.com")

# Every 500 is logged with its traceback (django.request, ERROR) whatever DEBUG says, and
# every line carries the request id the user sees on the error page / in the API error.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "sladesk.core.request_id.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [request %(request_id)s] %(message)s"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": "plain",
        }
    },
    "loggers": {
        "sladesk": {"handlers": ["console"], "level": os.environ.get("SLADESK_LOG_LEVEL", "INFO")},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}
