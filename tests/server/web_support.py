"""Shared fixtures of the desk and portal view tests (``pytest_plugins = ["web_support"]``).

``ui`` builds a small desk at the frozen instant (Wed 25 Nov 2026 16:30 PST): Acme
(particle-enterprise, na) and Bright (houseware) with a login contact each, one P2 ticket
each, the agent alice (Los Angeles) in a team, a second agent bob, an admin.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest

__all__ = ["T", "ui"]

T = datetime.fromisoformat


@pytest.fixture
def ui(db: None, frozen_now: Any, make_org: Any, make_contact: Any, agent: Any, team: Any) -> SimpleNamespace:
    from django.contrib.auth.models import User

    from sladesk.accounts.models import AgentProfile
    from sladesk.tickets import services

    agent.agent_profile.teams.add(team)
    bob = User.objects.create_user("bob", "bob@desk.example", "pw", first_name="Bob")
    AgentProfile.objects.create(user=bob, timezone="Europe/Berlin")
    admin = User.objects.create_superuser("root", "root@desk.example", "pw")
    acme = make_org("particle-enterprise", region="na", name="Acme", timezone="America/Los_Angeles")
    bright = make_org("houseware", name="Bright", timezone="Asia/Kolkata")
    acme_contact = make_contact(acme, login=True)
    bright_contact = make_contact(bright, login=True)
    acme_ticket = services.open_ticket(
        organization=acme, requester=acme_contact, subject="Cellular reconnects", description="every 10 min",
        priority="P2",
    )
    bright_ticket = services.open_ticket(
        organization=bright, requester=bright_contact, subject="Dashboards slow", description="slow",
    )
    return SimpleNamespace(
        agent=agent, bob=bob, admin=admin, team=team, acme=acme, bright=bright,
        acme_contact=acme_contact, bright_contact=bright_contact,
        acme_ticket=acme_ticket, bright_ticket=bright_ticket, now=frozen_now,
    )
