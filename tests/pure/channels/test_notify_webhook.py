"""Signed generic webhooks: headers, signature verification, classification, timeouts."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from sladesk.notify import Notification, Outcome, WebhookConfig, sign, verify_signature
from sladesk.notify.channels.webhook import render_webhook, send_webhook
from support.paths import DOCS
from support.receivers import HttpReply, LoopbackHttpReceiver, free_port

SECRET = "whsec_5f2a9d0c7b1e4a68"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TS = int(NOW.timestamp())

MakeReceiver = Callable[..., LoopbackHttpReceiver]
MakeNotification = Callable[..., Notification]


def test_a_delivered_webhook_is_signed_and_carries_the_idempotency_key(
    http_receiver: MakeReceiver, make_notification: MakeNotification
) -> None:
    # given a receiver and a notification
    receiver = http_receiver(HttpReply(204))
    notification = make_notification()

    # when sent at a known instant
    result = send_webhook(notification, WebhookConfig(receiver.url("/hooks/desk"), SECRET), now=NOW)

    # then delivered with the documented headers and a body the receiver can verify
    assert result.outcome is Outcome.DELIVERED
    (request,) = receiver.requests
    assert request.headers["idempotency-key"] == "timer-42:gen-3"
    assert request.headers["x-sladesk-timestamp"] == str(TS)
    assert request.headers["x-sladesk-signature"] == sign(SECRET, TS, request.body)
    assert verify_signature(
        SECRET,
        request.headers["x-sladesk-timestamp"],
        request.body,
        request.headers["x-sladesk-signature"],
        now=TS + 5,
    )
    assert request.json() == render_webhook(notification, TS)
    assert request.json() == {
        "idempotency_key": "timer-42:gen-3",
        "action": "trigger",
        "severity": "critical",
        "summary": "P1 ticket #1042 breached first_response",
        "body": "Customer ACME is down; first response was due 10:00 UTC.",
        "ticket": {"ref": "#1042", "url": "https://desk.example.com/tickets/1042"},
        "extra": {"policy": "particle", "clock": "first_response"},
        "timestamp": TS,
    }


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body() -> None:
    # a fixed vector, so receivers in other languages can check their implementation
    assert sign("secret", 1700000000, b'{"a":1}') == (
        "v1=" + hmac.new(b"secret", b'1700000000.{"a":1}', "sha256").hexdigest()
    )


@pytest.mark.parametrize(
    ("secret", "timestamp", "body", "now", "valid"),
    [
        (SECRET, str(TS), b'{"ok":true}', TS, True),
        (SECRET, str(TS), '{"ok":true}', TS + 300, True),  # str body, edge of tolerance
        (SECRET, str(TS), b'{"ok":true}', TS + 301, False),  # replayed too late
        (SECRET, str(TS), b'{"ok":true}', TS - 301, False),  # from the future
        ("wrong-secret", str(TS), b'{"ok":true}', TS, False),
        (SECRET, str(TS), b'{"ok":false}', TS, False),  # body tampered
        (SECRET, str(TS + 1), b'{"ok":true}', TS + 1, False),  # timestamp tampered
        (SECRET, "yesterday", b'{"ok":true}', TS, False),
    ],
)
def test_verify_signature(
    secret: str, timestamp: str, body: bytes | str, now: float, valid: bool
) -> None:
    header = sign(SECRET, TS, b'{"ok":true}')
    assert verify_signature(secret, timestamp, body, header, now=now) is valid


@pytest.mark.parametrize("header", ["", "v1=", "v0=abc", "garbage", "v1=zz,,"])
def test_malformed_signature_headers_do_not_verify(header: str) -> None:
    assert not verify_signature(SECRET, TS, b"{}", header, now=TS)


def test_during_rotation_either_secret_verifies(
    http_receiver: MakeReceiver, make_notification: MakeNotification
) -> None:
    # given a config with a new and a previous secret
    receiver = http_receiver(HttpReply(200))
    config = WebhookConfig(receiver.url(), secret="new-secret-2026", previous_secret=SECRET)

    # when sent
    send_webhook(make_notification(), config, now=NOW)

    # then the header carries two signatures and receivers on either secret accept it
    (request,) = receiver.requests
    header = request.headers["x-sladesk-signature"]
    assert header.count("v1=") == 2
    for secret in ("new-secret-2026", SECRET):
        assert verify_signature(secret, TS, request.body, header, now=TS)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.DELIVERED),
        (201, Outcome.DELIVERED),
        (204, Outcome.DELIVERED),
        (302, Outcome.FAILED),
        (400, Outcome.FAILED),
        (401, Outcome.FAILED),
        (404, Outcome.FAILED),
        (408, Outcome.RETRY),
        (422, Outcome.FAILED),
        (425, Outcome.RETRY),
        (429, Outcome.RETRY),
        (500, Outcome.RETRY),
        (502, Outcome.RETRY),
        (503, Outcome.RETRY),
    ],
)
def test_receiver_statuses_are_classified(
    http_receiver: MakeReceiver, make_notification: MakeNotification, status: int, outcome: Outcome
) -> None:
    receiver = http_receiver(HttpReply(status, headers={"Location": "http://127.0.0.1:9/x"}))
    result = send_webhook(make_notification(), WebhookConfig(receiver.url(), SECRET))
    assert (result.outcome, result.status_code) == (outcome, status)
    assert len(receiver.requests) == 1  # a redirect is not followed


def test_an_http_date_retry_after_is_honoured(
    http_receiver: MakeReceiver, make_notification: MakeNotification
) -> None:
    receiver = http_receiver(
        HttpReply(503, headers={"Retry-After": "Mon, 02 Mar 2026 09:02:00 GMT"})
    )
    result = send_webhook(make_notification(), WebhookConfig(receiver.url(), SECRET), now=NOW)
    assert (result.outcome, result.retry_after) == (Outcome.RETRY, 120.0)


def test_a_receiver_slower_than_the_timeout_is_retried(
    http_receiver: MakeReceiver, make_notification: MakeNotification
) -> None:
    # given a receiver that takes 1 s to answer and a 0.2 s timeout
    receiver = http_receiver(HttpReply(200, delay=1.0))
    config = WebhookConfig(receiver.url("/slow"), SECRET, timeout=0.2)

    # when sent
    result = send_webhook(make_notification(), config)

    # then a transient failure that names the problem but not the endpoint
    assert result.outcome is Outcome.RETRY
    assert result.status_code is None
    assert result.detail == "timed out (ReadTimeout)"


def test_a_refused_connection_is_retried(make_notification: MakeNotification) -> None:
    url = f"http://127.0.0.1:{free_port()}/nobody-listens"
    result = send_webhook(make_notification(), WebhookConfig(url, SECRET, connect_timeout=1))
    assert result.outcome is Outcome.RETRY
    assert result.detail == "connection error (ConnectError)"


@pytest.mark.parametrize("url", ["ftp://127.0.0.1/x", "not a url", "http://"])
def test_an_unusable_url_fails_permanently(make_notification: MakeNotification, url: str) -> None:
    result = send_webhook(make_notification(), WebhookConfig(url, SECRET))
    assert result.outcome is Outcome.FAILED
    assert result.detail == "the configured endpoint URL is invalid"


def test_the_secret_and_url_stay_out_of_details_and_repr(
    http_receiver: MakeReceiver, make_notification: MakeNotification
) -> None:
    receiver = http_receiver()
    url = receiver.url("/hooks/tenant-7f3a9c1d2e")
    receiver.replies.append(HttpReply(401, json.dumps({"error": f"bad secret {SECRET} at {url}"})))
    result = send_webhook(make_notification(), WebhookConfig(url, SECRET))
    assert result.outcome is Outcome.FAILED
    for secret in (SECRET, url, "tenant-7f3a9c1d2e", f"127.0.0.1:{receiver.port}"):
        assert secret not in result.detail
        assert secret not in repr(WebhookConfig(url, SECRET))


def _doc_snippet() -> Callable[..., bool]:
    """Execute the copy-paste verification snippet from docs/notifications.md."""
    doc = (DOCS / "notifications.md").read_text()
    section = doc.split("### Verifying a webhook", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(compile(code, "docs/notifications.md", "exec"), namespace)
    verify = namespace["verify_sladesk_webhook"]
    assert callable(verify)
    return verify  # type: ignore[return-value]


def test_the_documented_snippet_verifies_a_real_request(
    http_receiver: MakeReceiver, make_notification: MakeNotification
) -> None:
    # given the snippet a receiver would paste, and a request sladesk really sent
    verify = _doc_snippet()
    receiver = http_receiver(HttpReply(200))
    send_webhook(make_notification(), WebhookConfig(receiver.url(), SECRET), now=NOW)
    (request,) = receiver.requests

    # then it accepts the request, and rejects a tampered, stale or foreign one
    assert verify(SECRET, request.headers, request.body, now=TS + 10)
    assert not verify(SECRET, request.headers, request.body + b" ", now=TS + 10)
    assert not verify(SECRET, request.headers, request.body, now=TS + 301)
    assert not verify("another-secret", request.headers, request.body, now=TS)
    assert not verify(SECRET, {}, request.body, now=TS)
