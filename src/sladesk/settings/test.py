"""Settings for the test suite: the base settings with fast password hashing.

``DATABASE_URL`` still chooses the database (SQLite in memory by default through
pytest-django's test database, PostgreSQL when ``DATABASE_URL=postgres://...``; the test
database is then ``test_<name>``).
"""

from __future__ import annotations

from .base import *  # noqa: F403
from .base import VAR_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = VAR_DIR / "test-media"
LOGGING = {"version": 1, "disable_existing_loggers": False}

# Mail in the tests arrives as from the company MTA, whose Authentication-Results count
# (tests/server/email_helpers.build_mail); the DNS is a loopback server the test session
# starts (tests/server/conftest.py: SLADESK_DNS_RESOLVER).
SLADESK_TRUSTED_AUTHSERV_IDS = ["mx.support.example.com"]
