"""Fixtures of the framework-free channel tests: the notification factory.

The loopback receivers (``http_receiver``, ``smtp_capture``, ``silent_server``) are shared
fixtures from `support.fixtures.receivers`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sladesk.notify import Notification


@pytest.fixture
def make_notification() -> Callable[..., Notification]:
    """Build a notification; keyword arguments override the defaults of a P1 page."""

    def make(**overrides: Any) -> Notification:
        values: dict[str, Any] = {
            "idempotency_key": "timer-42:gen-3",
            "channel": "webhook",
            "summary": "P1 ticket #1042 breached first_response",
            "body": "Customer ACME is down; first response was due 10:00 UTC.",
            "severity": "critical",
            "ticket_ref": "#1042",
            "ticket_url": "https://desk.example.com/tickets/1042",
            "action": "trigger",
            "extra": {"policy": "particle", "clock": "first_response"},
        }
        values.update(overrides)
        return Notification(**values)

    return make
