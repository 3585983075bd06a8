"""Fixtures for the timer and outbox tests (a pytest plugin: ``pytest_plugins = ["timer_support"]``).

Loopback receivers come from ``tests/notify/notify_receivers.py``: real HTTP servers on
127.0.0.1 answering like Slack / PagerDuty, and an aiosmtpd capture.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from timer_helpers import (
    HttpReply,
    SmtpCapture,
    http_receiver,
)

__all__ = ["HttpReply", "desk", "http_receiver", "smtp_capture"]


@pytest.fixture
def smtp_capture() -> Iterator[SmtpCapture]:
    capture = SmtpCapture().start()
    yield capture
    capture.stop()


@pytest.fixture
def desk(db: None, settings: Any, frozen_now: Any, make_org: Any, make_contact: Any, agent: Any,
         http_receiver: Any, smtp_capture: SmtpCapture) -> SimpleNamespace:
    """A desk whose on-call team pages PagerDuty and posts to Slack (both loopback
    receivers), with e-mail going to the SMTP capture; ``frozen_now`` drives the clock."""
    from sladesk.accounts.models import Team

    pagerduty = http_receiver(default=HttpReply(202, '{"status":"success","dedup_key":"x"}'))
    slack = http_receiver(default=HttpReply(200, "ok"))
    oncall_user = type(agent).objects.create_user("olga", "olga@desk.example", "pw")
    team = Team.objects.create(
        name="On call", slug="oncall", pagerduty_routing_key="R0UTINGKEY0000000000000000000000",
        slack_webhook_url=slack.url("/services/T000/B000/XXXXXXXXXXXX"), oncall_user=oncall_user,
    )
    settings.SLADESK_NOTIFY = {
        "oncall_team": "oncall",
        "pagerduty_url": pagerduty.url("/v2/enqueue"),
        "public_url": "https://desk.example.com",
        "delivery_threads": 1,
    }
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp_capture.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.DEFAULT_FROM_EMAIL = "sladesk@desk.example.com"
    return SimpleNamespace(
        team=team, pagerduty=pagerduty, slack=slack, smtp=smtp_capture, agent=agent,
        oncall_user=oncall_user, clock=frozen_now, make_org=make_org, make_contact=make_contact,
    )
