"""PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/overview).

Payload (``POST https://events.pagerduty.com/v2/enqueue``)::

    {"routing_key": <integration key>, "event_action": "trigger"|"acknowledge"|"resolve",
     "dedup_key": <notification.idempotency_key>,
     "payload": {"summary": <≤1024 chars>, "source": <config.source>,
                 "severity": "critical"|"error"|"warning"|"info",
                 "custom_details": {"body": ..., "ticket": ..., **extra}},
     "links": [{"href": <ticket url>, "text": <ticket ref>}], "client": "sladesk",
     "client_url": <ticket url>}

``payload`` and ``links`` are sent with ``trigger`` only; acknowledge and resolve need just
the routing key and the ``dedup_key`` of the incident (the page key), which is why the page
key must be the idempotency key of every notification about that page.

Answers: 202 (any 2xx) delivered; 429 (honouring ``Retry-After``) and 5xx retry; 400
(invalid event, invalid routing key) and other 4xx permanent. The routing key is a secret
and is never reported.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from ._http import post
from .base import DeliveryResult, Notification

__all__ = ["PAGERDUTY_EVENTS_URL", "PagerDutyConfig", "render_pagerduty", "send_pagerduty"]

PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue"
_SUMMARY_LIMIT = 1024
_DEDUP_KEY_LIMIT = 255


@dataclass(frozen=True, slots=True)
class PagerDutyConfig:
    """A PagerDuty service integration: its routing key (a secret), the ``source`` shown
    in PagerDuty (e.g. the desk's host name), the endpoint (overridable for tests and
    for the EU region, ``https://events.eu.pagerduty.com/v2/enqueue``) and timeouts."""

    routing_key: str = field(repr=False)
    source: str = "sladesk"
    url: str = field(default=PAGERDUTY_EVENTS_URL, repr=False)
    timeout: float = 10.0
    connect_timeout: float = 5.0


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_pagerduty(notification: Notification, config: PagerDutyConfig) -> dict[str, Any]:
    """The Events API v2 body for ``notification`` (pure; see the module docstring).

    Raises ValueError if the idempotency key is longer than PagerDuty's 255-character
    ``dedup_key`` limit (truncating it could merge two incidents).
    """
    if len(notification.idempotency_key) > _DEDUP_KEY_LIMIT:
        raise ValueError(
            f"idempotency_key is {len(notification.idempotency_key)} characters; "
            f"PagerDuty's dedup_key allows {_DEDUP_KEY_LIMIT}"
        )
    event: dict[str, Any] = {
        "routing_key": config.routing_key,
        "event_action": notification.action,
        "dedup_key": notification.idempotency_key,
    }
    if notification.action != "trigger":
        return event
    details: dict[str, Any] = dict(notification.extra)
    if notification.body:
        details["body"] = notification.body
    if notification.ticket_ref:
        details["ticket"] = notification.ticket_ref
    event["payload"] = {
        "summary": _clip(notification.summary, _SUMMARY_LIMIT),
        "source": config.source,
        "severity": notification.severity,
        **({"custom_details": details} if details else {}),
    }
    event["client"] = "sladesk"
    if notification.ticket_url:
        event["client_url"] = notification.ticket_url
        event["links"] = [
            {"href": notification.ticket_url, "text": notification.ticket_ref or "Ticket"}
        ]
    return event


def send_pagerduty(
    notification: Notification,
    config: PagerDutyConfig,
    *,
    client: httpx.Client | None = None,
    now: datetime | None = None,
) -> DeliveryResult:
    """Send one event to PagerDuty and classify the answer (never raises for delivery)."""
    try:
        event = render_pagerduty(notification, config)
    except ValueError as exc:
        return DeliveryResult.failed(detail=str(exc))
    return post(
        config.url,
        json.dumps(event, ensure_ascii=False, default=str).encode(),
        headers={"Content-Type": "application/json"},
        timeout=config.timeout,
        connect_timeout=config.connect_timeout,
        secrets=(config.routing_key,),
        client=client,
        now=now,
    ).result
