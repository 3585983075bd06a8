"""PagerDuty Events API v2 against a loopback receiver that answers like PagerDuty."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from sladesk.notify import DeliveryResult, Notification, Outcome, PagerDutyConfig
from sladesk.notify.channels.pagerduty import (
    PAGERDUTY_EVENTS_URL,
    render_pagerduty,
    send_pagerduty,
)
from support.receivers import HttpReply, LoopbackHttpReceiver

ROUTING_KEY = "R0UT1NGKEYsecret0123456789abcdef"
ACCEPTED = HttpReply(
    202,
    json.dumps({"status": "success", "message": "Event processed", "dedup_key": "timer-42:gen-3"}),
    {"Content-Type": "application/json"},
)

MakeReceiver = Callable[..., LoopbackHttpReceiver]
MakeNotification = Callable[..., Notification]


def config_for(receiver: LoopbackHttpReceiver) -> PagerDutyConfig:
    return PagerDutyConfig(
        routing_key=ROUTING_KEY, source="desk.example.com", url=receiver.url("/v2/enqueue")
    )


def test_the_default_endpoint_is_pagerdutys() -> None:
    assert PagerDutyConfig(ROUTING_KEY).url == PAGERDUTY_EVENTS_URL
    assert PAGERDUTY_EVENTS_URL == "https://events.pagerduty.com/v2/enqueue"


def test_a_trigger_is_delivered_with_the_exact_event(
    http_receiver: MakeReceiver, make_notification: MakeNotification
) -> None:
    # given a receiver answering like PagerDuty
    pagerduty = http_receiver(ACCEPTED)
    notification = make_notification(channel="pagerduty")

    # when the page is triggered
    result = send_pagerduty(notification, config_for(pagerduty))

    # then it is delivered and PagerDuty got exactly the Events API v2 body
    assert result.outcome is Outcome.DELIVERED
    assert result.status_code == 202
    (request,) = pagerduty.requests
    assert request.path == "/v2/enqueue"
    assert request.headers["content-type"] == "application/json"
    assert request.json() == {
        "routing_key": ROUTING_KEY,
        "event_action": "trigger",
        "dedup_key": "timer-42:gen-3",
        "payload": {
            "summary": "P1 ticket #1042 breached first_response",
            "source": "desk.example.com",
            "severity": "critical",
            "custom_details": {
                "policy": "particle",
                "clock": "first_response",
                "body": "Customer ACME is down; first response was due 10:00 UTC.",
                "ticket": "#1042",
            },
        },
        "client": "sladesk",
        "client_url": "https://desk.example.com/tickets/1042",
        "links": [{"href": "https://desk.example.com/tickets/1042", "text": "#1042"}],
    }


@pytest.mark.parametrize("action", ["acknowledge", "resolve"])
def test_acknowledge_and_resolve_carry_only_the_key_and_dedup_key(
    make_notification: MakeNotification, action: str
) -> None:
    notification = make_notification(channel="pagerduty", action=action)
    assert render_pagerduty(notification, PagerDutyConfig(ROUTING_KEY)) == {
        "routing_key": ROUTING_KEY,
        "event_action": action,
        "dedup_key": "timer-42:gen-3",
    }


@pytest.mark.parametrize("severity", ["critical", "error", "warning", "info"])
def test_severity_is_passed_through(make_notification: MakeNotification, severity: str) -> None:
    event = render_pagerduty(
        make_notification(channel="pagerduty", severity=severity), PagerDutyConfig(ROUTING_KEY)
    )
    assert event["payload"]["severity"] == severity


def test_the_summary_is_cut_to_1024_characters(make_notification: MakeNotification) -> None:
    event = render_pagerduty(
        make_notification(channel="pagerduty", summary="x" * 5000), PagerDutyConfig(ROUTING_KEY)
    )
    assert len(event["payload"]["summary"]) == 1024
    assert event["payload"]["summary"].endswith("…")


def test_an_overlong_dedup_key_fails_permanently_without_sending(
    http_receiver: MakeReceiver, make_notification: MakeNotification
) -> None:
    pagerduty = http_receiver(ACCEPTED)
    notification = make_notification(channel="pagerduty", idempotency_key="k" * 256)
    result = send_pagerduty(notification, config_for(pagerduty))
    assert result.outcome is Outcome.FAILED
    assert "255" in result.detail
    assert pagerduty.requests == []


def test_429_with_retry_after_then_500_then_202_keeps_the_dedup_key(
    http_receiver: MakeReceiver, make_notification: MakeNotification
) -> None:
    # given PagerDuty throttles, then errs, then accepts
    pagerduty = http_receiver(
        HttpReply(429, "", {"Retry-After": "3"}),
        HttpReply(500, "internal"),
        ACCEPTED,
    )
    notification = make_notification(channel="pagerduty")
    config = config_for(pagerduty)

    # when sent three times
    results = [send_pagerduty(notification, config) for _ in range(3)]

    # then retry (with the receiver's wait), retry, delivered — one incident, one dedup_key
    assert [(r.outcome, r.status_code, r.retry_after) for r in results] == [
        (Outcome.RETRY, 429, 3.0),
        (Outcome.RETRY, 500, None),
        (Outcome.DELIVERED, 202, None),
    ]
    assert {r.json()["dedup_key"] for r in pagerduty.requests} == {"timer-42:gen-3"}


def test_400_is_permanent_and_the_routing_key_is_redacted(
    http_receiver: MakeReceiver, make_notification: MakeNotification
) -> None:
    # given PagerDuty rejects the event and echoes the routing key
    body = json.dumps(
        {"status": "invalid event", "message": "Event object is invalid", "errors": [ROUTING_KEY]}
    )
    pagerduty = http_receiver(HttpReply(400, body))

    # when sent
    result = send_pagerduty(make_notification(channel="pagerduty"), config_for(pagerduty))

    # then a permanent failure whose detail explains without leaking the key or the URL
    assert result == DeliveryResult.failed(400, result.detail)
    assert "Event object is invalid" in result.detail
    assert ROUTING_KEY not in result.detail
    assert "127.0.0.1" not in result.detail
    assert ROUTING_KEY not in repr(config_for(pagerduty))
