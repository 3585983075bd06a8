"""Fixtures for the status-page tests (a pytest plugin: ``pytest_plugins = ["status_support"]``).

Builds on ``timer_support.desk`` (frozen clock, loopback SMTP capture and HTTP receivers,
``public_url``): ``status`` adds a page with two components in a group.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

pytest_plugins = ["timer_support"]

__all__ = ["status"]


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
