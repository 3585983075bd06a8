"""Slack incoming webhooks (https://api.slack.com/messaging/webhooks).

Payload: ``{"text": <fallback>, "blocks": [section, actions?]}`` — a section block with the
severity and summary in mrkdwn (plus the body), and, when the notification has a ticket
URL, an actions block with a button linking to the ticket (and, for a page, an
"Acknowledge" button: the page's signed acknowledge link).

Answers: Slack replies ``200`` with the body ``ok``; that alone is ``delivered``. A 2xx with
any other body is a permanent failure (not a Slack webhook, or a proxy in the way).
Slack's own errors (400 ``invalid_payload``, 403 ``action_prohibited``, 404
``no_service``, 410 ``channel_is_archived``) are permanent; 429 (honouring ``Retry-After``)
and 5xx are retried. The webhook URL is the secret and is never reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from ._http import post
from .base import DeliveryResult, Notification, Outcome

__all__ = ["SlackConfig", "render_slack", "send_slack"]

# Slack limits: section text 3000 chars, button text 75 chars, top-level text ~40k.
_SECTION_LIMIT = 3000
_BUTTON_LIMIT = 75
_SEVERITY_EMOJI = {
    "critical": ":rotating_light:",
    "error": ":red_circle:",
    "warning": ":warning:",
    "info": ":information_source:",
}


@dataclass(frozen=True, slots=True)
class SlackConfig:
    """Where and how to post: the incoming-webhook URL (a secret) and timeouts in seconds."""

    webhook_url: str = field(repr=False)
    timeout: float = 10.0
    connect_timeout: float = 5.0


def _escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_slack(notification: Notification) -> dict[str, Any]:
    """The JSON payload for ``notification`` (pure; see the module docstring)."""
    emoji = _SEVERITY_EMOJI[notification.severity]
    label = notification.severity.upper()
    if notification.action != "trigger":
        label = f"{label} · {notification.action}d"
    headline = f"{emoji} *[{label}]* {_escape(notification.summary)}"
    section = headline + (f"\n{_escape(notification.body)}" if notification.body else "")
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": _clip(section, _SECTION_LIMIT)}}
    ]
    fallback = f"[{label}] {notification.summary}"
    elements: list[dict[str, Any]] = []
    if notification.ticket_url:
        button_text = (
            f"Open {notification.ticket_ref}" if notification.ticket_ref else "Open ticket"
        )
        elements.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": _clip(button_text, _BUTTON_LIMIT)},
                "url": notification.ticket_url,
            }
        )
        fallback += f" {notification.ticket_url}"
    ack = notification.extra.get("ack_url")
    if (
        notification.action == "trigger"
        and isinstance(ack, str)
        and ack.startswith(("https://", "http://"))
    ):
        # A page: the signed acknowledge link (its page shows one POST button, so a link
        # preview or scanner following it acknowledges nothing).
        elements.append(
            {
                "type": "button",
                "style": "primary",
                "text": {"type": "plain_text", "text": "Acknowledge"},
                "url": ack,
            }
        )
    if elements:
        blocks.append({"type": "actions", "elements": elements})
    return {"text": fallback, "blocks": blocks}


def send_slack(
    notification: Notification,
    config: SlackConfig,
    *,
    client: httpx.Client | None = None,
    now: datetime | None = None,
) -> DeliveryResult:
    """Post ``notification`` to the Slack webhook once and classify the answer."""
    content = json.dumps(render_slack(notification), ensure_ascii=False).encode()
    answer = post(
        config.webhook_url,
        content,
        headers={"Content-Type": "application/json; charset=utf-8"},
        timeout=config.timeout,
        connect_timeout=config.connect_timeout,
        client=client,
        now=now,
    )
    result = answer.result
    if result.outcome is Outcome.DELIVERED and answer.body.strip() != "ok":
        return DeliveryResult.failed(
            result.status_code, f"{result.detail} (a Slack webhook answers 'ok')"
        )
    return result
