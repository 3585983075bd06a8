"""Fixtures for the Django domain tests: a frozen clock and small factories.

Runs on SQLite (default) and on PostgreSQL (``DATABASE_URL=postgres://...``).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sladesk.settings.test")
_SRC = Path(__file__).resolve().parents[2] / "src"
if str(_SRC) not in sys.path:
    sys.path.insert(0, str(_SRC))

import pytest  # noqa: E402
from django.conf import settings as _settings  # noqa: E402

_settings.INSTALLED_APPS  # noqa: B018  (load settings now so pytest-django sets Django up)


@pytest.fixture(scope="session", autouse=True)
def loopback_dns():
    """A real DNS server on loopback for the whole session (empty zones: every name is
    NXDOMAIN unless a test publishes records), so mail authentication never asks the
    network; ``SLADESK_DNS_RESOLVER`` points at it."""
    from support.dns_zone import DnsZone

    zone = DnsZone().start()
    previous = os.environ.get("SLADESK_DNS_RESOLVER")
    os.environ["SLADESK_DNS_RESOLVER"] = zone.address
    yield zone
    zone.stop()
    if previous is None:
        os.environ.pop("SLADESK_DNS_RESOLVER", None)
    else:
        os.environ["SLADESK_DNS_RESOLVER"] = previous


class FrozenClock:
    """The test's clock: ``sladesk.core.clock.source`` returns ``self.at``; move with ``set``."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def set(self, at: datetime) -> datetime:
        self.at = at
        return at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def frozen_now(monkeypatch: pytest.MonkeyPatch) -> FrozenClock:
    from sladesk.core import clock

    fake = FrozenClock(datetime.fromisoformat("2026-11-25T16:30:00-08:00"))
    monkeypatch.setattr(clock, "source", fake)
    return fake


@pytest.fixture
def make_org(db: None) -> Callable[..., object]:
    from sladesk.accounts.models import Organization

    def make(policy: str, *, plan: str = "", region: str = "", name: str | None = None, **kw: object):
        name = name or f"{policy} {plan} {region}".strip()
        slug = "-".join(name.lower().split())
        return Organization.objects.create(
            name=name, slug=slug, policy_name=policy, plan=plan, region=region, **kw
        )

    return make


@pytest.fixture
def make_contact(db: None) -> Callable[..., object]:
    from django.contrib.auth.models import User

    from sladesk.accounts.models import Contact

    def make(org: object, email: str | None = None, *, login: bool = False):
        email = email or f"customer@{org.slug}.example"  # type: ignore[attr-defined]
        user = User.objects.create_user(email, email, "pw") if login else None
        return Contact.objects.create(organization=org, email=email, name=email.split("@")[0], user=user)

    return make


@pytest.fixture
def agent(db: None):
    from django.contrib.auth.models import User

    from sladesk.accounts.models import AgentProfile

    user = User.objects.create_user("alice", "alice@desk.example", "pw", first_name="Alice")
    AgentProfile.objects.create(user=user, timezone="America/Los_Angeles")
    return user


@pytest.fixture
def team(db: None):
    from sladesk.accounts.models import Team

    return Team.objects.create(name="Product support", slug="product-support")
