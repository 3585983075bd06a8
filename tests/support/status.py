"""Fixtures for the status-page tests (registered in tests/conftest.py).

Builds on ``support.fixtures.timers.desk`` (frozen clock, loopback SMTP capture and HTTP receivers,
``public_url``): ``status`` adds a page with two components in a group.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

__all__ = ["policy_with", "status"]


@pytest.fixture
def status(desk: Any) -> SimpleNamespace:
    """A Houseware status page (99.5% promise) with "API" and "Dashboard" in "Platform"."""
    from sladesk.status import cache
    from sladesk.status.models import StatusPage
    from sladesk.status.services import create_component

    cache.forget()
    org = desk.make_org("houseware", name="Houseware")
    page = StatusPage.objects.create(
        slug="houseware", name="Houseware", organization=org, time_zone="UTC", is_default=True
    )
    api = create_component(page, name="API", group="Platform")
    dashboard = create_component(page, name="Dashboard", group="Platform")
    desk.page, desk.api, desk.dashboard, desk.org = page, api, dashboard, org
    return desk


@pytest.fixture
def policy_with(settings: Any, tmp_path: Any) -> Any:
    """Write ``<name>.yaml`` (the seed text plus ``extra`` YAML) into this test's own policy
    directory and load it; the seeds come back after the test."""
    from pathlib import Path

    from sladesk.core import policies

    original = settings.SLADESK_POLICY_DIR

    def write(name: str, extra: str) -> None:
        text = (Path(original) / f"{name}.yaml").read_text(encoding="utf-8") + "\n" + extra
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
        settings.SLADESK_POLICY_DIR = tmp_path
        policies.reload()

    yield write
    settings.SLADESK_POLICY_DIR = original
    policies.reload()
