"""Run ``sladesk worker`` in real subprocesses against the test database (PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping

import pytest

__all__ = ["database_url", "require_postgres", "worker_process"]


def require_postgres() -> None:
    """Skip unless the test database is PostgreSQL (the reason names postgres, so the
    PostgreSQL pass can refuse such skips)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs postgres: several worker processes share one database")


def database_url() -> str:
    """The test database as a ``postgres://`` URL, for processes the test starts."""
    from django.db import connection

    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def worker_process(*args: str, env: Mapping[str, str] | None = None) -> subprocess.Popen[str]:
    """Start ``sladesk worker ARGS`` on the test database; stdout/stderr are captured."""
    full_env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "sladesk.settings.test",
        "SLADESK_CONN_MAX_AGE": "0",
        **(env or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "sladesk.cli", "worker", *args],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
