"""Fixtures for the email channel tests: a routed customer, the SMTP server on an ephemeral
loopback port, and a capturing SMTP receiver for outbound mail."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from email_helpers import DOMAIN, Captured, EphemeralController

from sladesk.intake.models import InboundAddress

__all__: list[str] = []


@pytest.fixture
def acme(make_org, make_contact):
    """A Particle enterprise customer with an alias and a known contact."""
    org = make_org("particle-enterprise", region="na", name="Acme", allow_unknown_senders=True,
                   timezone="America/Los_Angeles")
    make_contact(org, "jane@acme.example")
    InboundAddress.objects.create(address=f"acme@{DOMAIN}", organization=org, kind="customer")
    return org


@pytest.fixture
def smtp_server(settings) -> Iterator[Controller]:
    """The sladesk SMTP server on 127.0.0.1:<ephemeral>, without the processing loop
    (tests call `process_pending` themselves, so only one thread writes at a time)."""
    from sladesk.intake.smtp_server import start_smtp

    settings.SLADESK_EMAIL = {**getattr(settings, "SLADESK_EMAIL", {}), "domains": DOMAIN, "max_message_bytes": 200_000}
    controller = start_smtp("127.0.0.1:0")
    yield controller
    controller.stop()


@pytest.fixture
def capture(settings) -> Iterator[Captured]:
    """A capturing SMTP receiver; Django's EMAIL_* settings point the outbox at it."""
    captured = Captured()
    controller = EphemeralController(captured, hostname="127.0.0.1", port=0)
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield captured
    controller.stop()


@pytest.fixture
def corpus_dir():
    """The shared real-world email corpus beside the repository."""
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "shared" / "email-corpus"
    if not path.is_dir():
        pytest.fail(f"email corpus not found at {path}")
    return path
