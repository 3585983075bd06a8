"""Shared fixtures and helpers of the API tests (a plugin: ``pytest_plugins = ["api_support"]``).

``world`` builds a small desk: two customer organizations (particle-enterprise and
houseware) with a login contact each and one ticket each (with a public reply and an
internal note), an agent, an admin, a team. ``client_for(user)`` is an authenticated
`APIClient` (``None``: anonymous).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

__all__ = ["T", "client_for", "due_of", "sla_of", "warm_policy_cache", "world"]

T = datetime.fromisoformat


def sla_of(body: dict[str, Any], metric: str) -> dict[str, Any]:
    """The ``sla`` entry of ``metric`` in a ticket body (KeyError if absent)."""
    for clock in body["sla"]:
        if clock["metric"] == metric:
            return clock
    raise KeyError(f"no {metric} clock in {[c['metric'] for c in body['sla']]}")


def due_of(body: dict[str, Any], metric: str) -> datetime | None:
    """The due instant of ``metric`` as an aware datetime (None when stopped or paused)."""
    raw = sla_of(body, metric)["due_at"]
    return None if raw is None else T(raw)


@pytest.fixture
def warm_policy_cache() -> None:
    """Parse every policy text before `sladesk.core.policies` first scans the directory.

    Work-around: ``policies._scan`` holds its non-reentrant ``_lock`` while
    ``policy_from_text`` takes it again for a text not yet cached, which deadlocks the
    first scan of a process. Texts already cached skip that inner lock.
    """
    from pathlib import Path

    from django.conf import settings

    from sladesk.core import policies

    for path in sorted(Path(settings.SLADESK_POLICY_DIR).glob("*.yaml")):
        policies.policy_from_text(path.read_text(encoding="utf-8"), source=path.name)


@pytest.fixture
def client_for() -> Callable[[Any], Any]:
    """``client_for(user)``: a DRF ``APIClient`` authenticated as ``user`` (None: anonymous)."""
    from rest_framework.test import APIClient

    def make(user: Any) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture
def world(
    db: None, warm_policy_cache: None, frozen_now: Any, make_org: Any, make_contact: Any, agent: Any, team: Any
) -> SimpleNamespace:
    from django.contrib.auth.models import User

    from sladesk.tickets import services

    acme = make_org("particle-enterprise", region="na", name="Acme")
    globex = make_org("houseware", name="Globex")
    acme_contact = make_contact(acme, "pat@acme.example", login=True)
    acme_other = make_contact(acme, "sam@acme.example")
    globex_contact = make_contact(globex, "kim@globex.example", login=True)
    admin = User.objects.create_superuser("admin", "admin@desk.example", "admin")
    nobody = User.objects.create_user("nobody", "nobody@desk.example", "pw")
    acme_ticket = services.open_ticket(
        organization=acme, requester=acme_contact, subject="Fleet offline",
        description="All devices dropped", priority="P2",
    )
    services.reply(acme_ticket, author=agent, body="On it")
    services.add_note(acme_ticket, author=agent, body="internal: check the firmware")
    globex_ticket = services.open_ticket(
        organization=globex, requester=globex_contact, subject="Dashboard blank",
        description="Nothing renders",
    )
    services.add_note(globex_ticket, author=agent, body="internal: known issue")
    return SimpleNamespace(
        acme=acme, globex=globex, acme_contact=acme_contact, acme_other=acme_other,
        globex_contact=globex_contact, agent=agent, admin=admin, nobody=nobody, team=team,
        acme_ticket=acme_ticket, globex_ticket=globex_ticket,
        users={
            "anonymous": None,
            "nobody": nobody,
            "contact": acme_contact.user,
            "agent": agent,
            "admin": admin,
        },
    )
