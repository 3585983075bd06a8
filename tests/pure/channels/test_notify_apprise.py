"""The optional Apprise channel, exercised through Apprise's ``json://`` plugin on loopback."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from sladesk.notify import AppriseConfig, Notification, Outcome, deliver
from support.receivers import HttpReply, LoopbackHttpReceiver

pytest.importorskip("apprise")
pytestmark = pytest.mark.filterwarnings("ignore:.imghdr. is deprecated:DeprecationWarning")

TOKEN_PATH = "/workflows/teamsTokenABCDEFGH123"

MakeReceiver = Callable[..., LoopbackHttpReceiver]
MakeNotification = Callable[..., Notification]


def apprise_url(receiver: LoopbackHttpReceiver) -> str:
    return f"json://127.0.0.1:{receiver.port}{TOKEN_PATH}"


def test_a_notification_reaches_the_receiver_through_apprise(
    http_receiver: MakeReceiver, make_notification: MakeNotification
) -> None:
    # given a JSON receiver behind an Apprise URL
    receiver = http_receiver(HttpReply(200))
    notification = make_notification(channel="apprise")

    # when delivered
    result = deliver(notification, AppriseConfig(apprise_url(receiver)))

    # then Apprise posted title, body and a failure type for a critical notification
    assert result.outcome is Outcome.DELIVERED
    (request,) = receiver.requests
    assert request.path == TOKEN_PATH
    body = request.json()
    assert body["title"] == "[CRITICAL] #1042 P1 ticket #1042 breached first_response"
    assert body["message"] == (
        "Customer ACME is down; first response was due 10:00 UTC.\n\n"
        "#1042: https://desk.example.com/tickets/1042"
    )
    assert body["type"] == "failure"


@pytest.mark.parametrize(
    ("severity", "action", "kind"),
    [
        ("warning", "trigger", "warning"),
        ("info", "trigger", "info"),
        ("error", "resolve", "success"),
    ],
)
def test_the_apprise_type_follows_severity_and_action(
    http_receiver: MakeReceiver,
    make_notification: MakeNotification,
    severity: str,
    action: str,
    kind: str,
) -> None:
    receiver = http_receiver(HttpReply(200))
    notification = make_notification(channel="apprise", severity=severity, action=action)
    deliver(notification, AppriseConfig(apprise_url(receiver)))
    assert receiver.requests[0].json()["type"] == kind


def test_a_failed_apprise_delivery_is_retried_and_the_url_stays_out_of_logs(
    http_receiver: MakeReceiver,
    make_notification: MakeNotification,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given a receiver that fails once, with every logger at DEBUG
    receiver = http_receiver(HttpReply(500, "down"))
    config = AppriseConfig(apprise_url(receiver))
    caplog.set_level(logging.DEBUG)

    # when delivered twice
    first = deliver(make_notification(channel="apprise"), config)
    second = deliver(make_notification(channel="apprise"), config)

    # then retry, then delivered; Apprise and urllib3 logged, but never the URL or token
    assert (first.outcome, second.outcome) == (Outcome.RETRY, Outcome.DELIVERED)
    assert any(r.name.startswith(("apprise", "urllib3")) for r in caplog.records)
    for record in caplog.records:
        message = record.getMessage()
        assert "teamsToken" not in message
        assert f"127.0.0.1:{receiver.port}" not in message


def test_an_unusable_apprise_url_fails_permanently(make_notification: MakeNotification) -> None:
    result = deliver(make_notification(channel="apprise"), AppriseConfig("nonsense://x/y"))
    assert result.outcome is Outcome.FAILED
    assert result.detail == "Apprise cannot use the configured URL"
