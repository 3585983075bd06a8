"""Repository-wide pytest guard: a PostgreSQL run must really be on PostgreSQL.

`make test-postgres` sets SLADESK_REQUIRE_POSTGRES=1. Then a run whose database is not
PostgreSQL, or in which any test is skipped for want of PostgreSQL, fails: CI must not
pass with the PostgreSQL path silently untested.
"""

from __future__ import annotations

import os

import pytest

_REQUIRED = os.environ.get("SLADESK_REQUIRE_POSTGRES") == "1"


def pytest_configure(config: pytest.Config) -> None:
    if _REQUIRED and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise pytest.UsageError("SLADESK_REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not _REQUIRED:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    pg_skips = [r for r in skipped if "postgres" in str(getattr(r, "longrepr", "")).lower()]
    if pg_skips:
        print(f"\nFAIL: {len(pg_skips)} PostgreSQL test(s) skipped in a PostgreSQL run")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
