"""`deliver` dispatch, notification validation, and the redaction promise for logs."""

from __future__ import annotations

import logging
import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest

import sladesk.notify as notify
from sladesk.notify import (
    CHANNELS,
    DeliveryResult,
    EmailConfig,
    Notification,
    Outcome,
    PagerDutyConfig,
    SlackConfig,
    WebhookConfig,
    deliver,
)
from sladesk.notify.channels.base import install_log_redaction, redact, redacting
from sladesk.notify.channels.slack import send_slack
from support.receivers import HttpReply, LoopbackHttpReceiver

MakeReceiver = Callable[..., LoopbackHttpReceiver]
MakeNotification = Callable[..., Notification]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("idempotency_key", " ", "idempotency_key"),
        ("channel", "fax", "unknown channel"),
        ("severity", "sev1", "unknown severity"),
        ("action", "snooze", "unknown action"),
        ("summary", "", "summary"),
    ],
)
def test_an_invalid_notification_is_refused(
    make_notification: MakeNotification, field: str, value: str, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        make_notification(**{field: value})


def test_notifications_are_frozen_values(make_notification: MakeNotification) -> None:
    notification = make_notification()
    assert notification == make_notification()
    with pytest.raises(AttributeError):
        notification.summary = "changed"  # type: ignore[misc]


def test_every_channel_kind_has_a_sender() -> None:
    assert set(CHANNELS) == {"email", "slack", "pagerduty", "webhook", "apprise", "sms", "voice"}


def test_a_config_of_the_wrong_type_fails_permanently(make_notification: MakeNotification) -> None:
    result = deliver(make_notification(channel="slack"), PagerDutyConfig("R" * 32))
    assert result == DeliveryResult.failed(
        detail="a slack notification needs a SlackConfig, got a PagerDutyConfig"
    )


def test_a_bug_in_a_channel_becomes_a_retry_without_its_message(
    make_notification: MakeNotification, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a channel that raises with a secret in the message
    def broken(notification: Notification, config: WebhookConfig) -> DeliveryResult:
        raise RuntimeError(f"boom {config.secret}")

    monkeypatch.setitem(CHANNELS, "webhook", (WebhookConfig, broken))

    # when delivered
    result = deliver(make_notification(), WebhookConfig("http://127.0.0.1:9/", "s3cr3t-value"))

    # then retry, naming only the exception type
    assert result == DeliveryResult.retry(detail="unexpected RuntimeError in channel")


def test_no_log_record_carries_an_endpoint_or_secret(
    http_receiver: MakeReceiver,
    make_notification: MakeNotification,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given every logger at DEBUG (httpx logs each request URL at INFO, httpcore the host)
    caplog.set_level(logging.DEBUG)
    receiver = http_receiver(default=HttpReply(202, "ok"))
    slack_url = receiver.url("/services/T01/B02/slackSecretToken99")
    hook_url = receiver.url("/in/tenant-secret-path")

    # when each HTTP channel delivers
    deliver(make_notification(channel="slack"), SlackConfig(slack_url))
    deliver(
        make_notification(channel="pagerduty"), PagerDutyConfig("PDroutingKey0123", url=hook_url)
    )
    deliver(make_notification(channel="webhook"), WebhookConfig(hook_url, "whsec-abcdef"))

    # then the libraries did log the requests, but nothing identifying the endpoints
    messages = [record.getMessage() for record in caplog.records]
    assert any("HTTP Request: POST" in m for m in messages)
    assert any(m.startswith("notify slack timer-42:gen-3: delivered") for m in messages)
    for message in messages:
        for secret in (
            "slackSecretToken99",
            "tenant-secret-path",
            "PDroutingKey0123",
            "whsec-abcdef",
            f"127.0.0.1:{receiver.port}",
            "/services/",
        ):
            assert secret not in message


def test_configs_hide_secrets_in_repr() -> None:
    configs = [
        SlackConfig("https://hooks.slack.com/services/T/B/tok3n"),
        PagerDutyConfig("routing-key-1234"),
        WebhookConfig("https://hooks.example.com/x", "whsec-1234", previous_secret="whsec-old1"),
        EmailConfig(
            "smtp.example.com",
            "desk@example.com",
            ("a@example.com",),
            username="user-name",
            password="pass-word",
        ),
    ]
    text = repr(configs)
    for secret in (
        "tok3n",
        "routing-key-1234",
        "whsec-1234",
        "whsec-old1",
        "hooks.",
        "smtp.example.com",
        "user-name",
        "pass-word",
    ):
        assert secret not in text


@pytest.mark.parametrize(
    ("text", "secrets", "expected"),
    [
        ("see https://hooks.slack.com/services/T/B/x now", (), "see [redacted] now"),
        (
            "key ABCDEF123 and ABCDEF123456",
            ("ABCDEF123", "ABCDEF123456"),
            "key [redacted] and [redacted]",
        ),
        (
            "connect_tcp.started host='10.0.0.7' port=443",
            (),
            "connect_tcp.started host=[redacted] port=443",
        ),
        ("short abc stays", ("abc",), "short abc stays"),
    ],
)
def test_redact(text: str, secrets: tuple[str, ...], expected: str) -> None:
    assert redact(text, secrets) == expected


def test_redacting_is_scoped_to_the_block() -> None:
    with redacting("tenant-secret"):
        assert redact("x tenant-secret y") == "x [redacted] y"
    assert redact("x tenant-secret y") == "x tenant-secret y"


def test_installing_the_log_filter_twice_adds_it_once() -> None:
    install_log_redaction()
    install_log_redaction()
    assert len(logging.getLogger("httpx").filters) == 1
    assert notify.Outcome is Outcome


def test_the_notify_package_does_not_import_django() -> None:
    # given a fresh interpreter
    code = (
        "import sys, sladesk.notify; print(sorted(m for m in sys.modules"
        " if m.split('.')[0] in ('django', 'rest_framework')))"
    )
    # when only sladesk.notify is imported
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    # then neither Django nor DRF was loaded
    assert output.stdout.strip() == "[]"


def test_a_shared_http_client_is_used_when_given(
    http_receiver: MakeReceiver, make_notification: MakeNotification
) -> None:
    # given one client for many deliveries (what a long-running worker does)
    receiver = http_receiver(default=HttpReply(200, "ok"))
    config = SlackConfig(receiver.url("/services/T/B/shared"))
    with httpx.Client() as client:
        results = [
            send_slack(make_notification(channel="slack"), config, client=client) for _ in range(3)
        ]
    assert [r.outcome for r in results] == [Outcome.DELIVERED] * 3
    assert len(receiver.requests) == 3


def test_sends_in_one_thread_share_one_keep_alive_connection(
    make_notification: MakeNotification,
) -> None:
    # given a receiver that keeps connections alive (as Slack does)
    receiver = LoopbackHttpReceiver(default=HttpReply(200, "ok"), keep_alive=True).start()
    try:
        config = notify.SlackConfig(webhook_url=receiver.url("/services/T/B/X"))
        # when one thread sends three notifications without passing a client
        for i in range(3):
            result = send_slack(make_notification(idempotency_key=f"k{i}", channel="slack"), config)
            assert result.outcome.value == "delivered"
    finally:
        receiver.stop()
    # then they travelled over one TCP connection (the thread's client)
    assert len({r.client_port for r in receiver.requests}) == 1


def test_a_forked_child_does_not_reuse_its_parents_keep_alive_client() -> None:
    import os

    from sladesk.notify.channels import _http

    # given this thread's keep-alive client
    parent = _http._thread_client()
    read_end, write_end = os.pipe()
    # when the process forks and the child asks for its client
    pid = os.fork()
    if pid == 0:  # the child: report and leave at once
        try:
            os.write(write_end, b"new" if _http._thread_client() is not parent else b"old")
        finally:
            os._exit(0)
    os.close(write_end)
    os.waitpid(pid, 0)
    # then the child built its own (the parent's sockets are not shared), the parent kept its
    assert os.read(read_end, 3) == b"new"
    assert _http._thread_client() is parent
