"""Slack incoming webhooks against a real loopback receiver that answers like Slack."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from sladesk.notify import DeliveryResult, Notification, Outcome, SlackConfig, deliver
from sladesk.notify.channels.slack import render_slack, send_slack
from sladesk.notify.retry import decide
from support.receivers import HttpReply, LoopbackHttpReceiver

HOOK_PATH = "/services/T0001/B0002/XyZsecretTokenAbc123"

MakeReceiver = Callable[..., LoopbackHttpReceiver]
MakeNotification = Callable[..., Notification]


def test_the_payload_has_text_and_blocks(make_notification: MakeNotification) -> None:
    # given a critical notification with a ticket link and mrkdwn control characters
    notification = make_notification(channel="slack", summary="ACME <prod> & staging down")

    # when rendered
    payload = render_slack(notification)

    # then it is exactly Slack's {"text", "blocks"} shape with escaped mrkdwn and a button
    assert payload == {
        "text": "[CRITICAL] ACME <prod> & staging down https://desk.example.com/tickets/1042",
        "blocks": [
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": ":rotating_light: *[CRITICAL]* ACME &lt;prod&gt; &amp; staging down\n"
                    "Customer ACME is down; first response was due 10:00 UTC.",
                },
            },
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Open #1042"},
                        "url": "https://desk.example.com/tickets/1042",
                    }
                ],
            },
        ],
    }


def test_a_resolve_without_a_link_has_only_a_section(make_notification: MakeNotification) -> None:
    notification = make_notification(
        channel="slack", action="resolve", severity="info", ticket_url=None, body=""
    )
    payload = render_slack(notification)
    assert payload["text"] == "[INFO · resolved] P1 ticket #1042 breached first_response"
    assert [block["type"] for block in payload["blocks"]] == ["section"]


def test_200_ok_is_delivered_and_the_exact_payload_arrives(
    http_receiver: MakeReceiver, make_notification: MakeNotification
) -> None:
    # given a receiver answering like Slack
    slack = http_receiver(HttpReply(200, "ok"))
    notification = make_notification(channel="slack")

    # when sent
    result = send_slack(notification, SlackConfig(slack.url(HOOK_PATH)))

    # then delivered, and Slack received exactly the rendered JSON on the webhook path
    assert result == DeliveryResult.delivered(200, "HTTP 200: ok")
    (request,) = slack.requests
    assert request.path == HOOK_PATH
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.json() == render_slack(notification)


@pytest.mark.parametrize(
    ("reply", "outcome"),
    [
        (HttpReply(400, "invalid_payload"), Outcome.FAILED),
        (HttpReply(403, "action_prohibited"), Outcome.FAILED),
        (HttpReply(404, "no_service"), Outcome.FAILED),
        (HttpReply(410, "channel_is_archived"), Outcome.FAILED),
        (HttpReply(200, "not a slack answer"), Outcome.FAILED),
        (HttpReply(500, "rollup_error"), Outcome.RETRY),
        (HttpReply(503, ""), Outcome.RETRY),
        (HttpReply(429, "rate_limited", {"Retry-After": "30"}), Outcome.RETRY),
    ],
)
def test_slack_answers_are_classified(
    http_receiver: MakeReceiver,
    make_notification: MakeNotification,
    reply: HttpReply,
    outcome: Outcome,
) -> None:
    slack = http_receiver(reply)
    result = send_slack(make_notification(channel="slack"), SlackConfig(slack.url(HOOK_PATH)))
    assert result.outcome is outcome
    assert result.status_code == reply.status


def test_429_then_500_then_ok_is_retried_to_delivery(
    http_receiver: MakeReceiver, make_notification: MakeNotification
) -> None:
    # given Slack rate-limits, then fails, then accepts
    slack = http_receiver(
        HttpReply(429, "rate_limited", {"Retry-After": "7"}),
        HttpReply(500, "rollup_error"),
        HttpReply(200, "ok"),
    )
    notification = make_notification(channel="slack")
    config = SlackConfig(slack.url(HOOK_PATH))

    # when a worker loop delivers it, following decide() (without sleeping)
    decisions = []
    for attempt in range(1, 10):
        result = deliver(notification, config)
        decision = decide(result, attempt, rng=random.Random(attempt))
        decisions.append((result.status_code, decision[0]))
        if decision[0] != "deliver_again_at":
            break
        if attempt == 1:
            # then the first wait honours Retry-After
            assert decision == ("deliver_again_at", 7.0)

    # then three attempts, the same message each time, done at the third
    assert decisions == [
        (429, "deliver_again_at"),
        (500, "deliver_again_at"),
        (200, "done"),
    ]
    assert len({request.body for request in slack.requests}) == 1


def test_the_webhook_url_never_appears_in_the_detail(
    http_receiver: MakeReceiver, make_notification: MakeNotification
) -> None:
    # given a receiver that echoes the URL and token back in its error body
    slack = http_receiver()
    url = slack.url(HOOK_PATH)
    slack.replies.append(HttpReply(400, f"bad hook {url} token XyZsecretTokenAbc123"))

    # when sent
    result = send_slack(make_notification(channel="slack"), SlackConfig(url))

    # then the detail keeps the gist but neither the URL, the port nor the token
    assert result.outcome is Outcome.FAILED
    assert "bad hook" in result.detail
    for secret in (url, HOOK_PATH, "XyZsecretTokenAbc123", str(slack.port)):
        assert secret not in result.detail
    assert "XyZsecret" not in repr(SlackConfig(url))


def test_a_page_has_an_acknowledge_button_with_its_signed_link(make_notification: MakeNotification) -> None:
    # given a page trigger carrying its acknowledge link
    ack = "https://desk.example.com/notify/ack/abc/"
    payload = render_slack(make_notification(channel="slack", extra={"ack_url": ack}))
    # then the actions block has "Open #1042" and "Acknowledge" (the link)
    [actions] = [b for b in payload["blocks"] if b["type"] == "actions"]
    assert [e["text"]["text"] for e in actions["elements"]] == ["Open #1042", "Acknowledge"]
    assert actions["elements"][1]["url"] == ack
    # and an acknowledge, or a link that is not http(s), gets no such button
    done = render_slack(make_notification(channel="slack", action="acknowledge", extra={"ack_url": ack}))
    plain = render_slack(make_notification(channel="slack", extra={"ack_url": "javascript:alert(1)"}))
    for other in (done, plain):
        assert all(e["text"]["text"] != "Acknowledge" for b in other["blocks"] if b["type"] == "actions"
                   for e in b["elements"])
