"""Fixtures for the notification tests: notification factory and loopback receivers."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from notify_receivers import (
    SilentTcpServer,
    SmtpCapture,
    http_receiver,  # noqa: F401  (shared fixture)
)

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


@pytest.fixture
def smtp_capture() -> Iterator[Callable[..., SmtpCapture]]:
    """Start capturing SMTP servers on loopback (see `notify_receivers.SmtpCapture`)."""
    started: list[SmtpCapture] = []

    def start(
        *,
        data_replies: Iterable[str] = (),
        rcpt_replies: dict[str, str] | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> SmtpCapture:
        capture = SmtpCapture(
            data_replies=data_replies, rcpt_replies=rcpt_replies, credentials=credentials
        ).start()
        started.append(capture)
        return capture

    yield start
    for capture in started:
        capture.stop()


@pytest.fixture
def silent_server() -> Iterator[SilentTcpServer]:
    """A TCP server on loopback that accepts and never answers."""
    server = SilentTcpServer().start()
    yield server
    server.stop()
