"""Generic signed webhooks: a JSON POST any HTTP receiver can verify.

Request::

    POST <config.url>
    Content-Type: application/json
    Idempotency-Key: <notification.idempotency_key>
    X-Sladesk-Timestamp: <unix seconds, integer>
    X-Sladesk-Signature: v1=<hex HMAC-SHA256(secret, f"{timestamp}.{raw body}")>

    {"idempotency_key": ..., "action": "trigger"|"acknowledge"|"resolve",
     "severity": ..., "summary": ..., "body": ..., "ticket": {"ref": ..., "url": ...}|null,
     "extra": {...}, "timestamp": <same unix seconds>}

The signature covers the timestamp and the exact body bytes, so a receiver verifies the raw
body *before* parsing it, and rejects timestamps outside a tolerance window (replay
protection) — `verify_signature` does both. While a secret is being rotated, set
``previous_secret``: the header then carries two comma-separated ``v1=`` signatures and a
receiver holding either secret accepts the request.

Answers: 2xx delivered; 408/425/429/5xx retry (honouring ``Retry-After``); other 3xx/4xx
permanent. A receiver should answer 2xx for an ``Idempotency-Key`` it has already seen.
The URL and the secrets are never reported.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

from ._http import post
from .base import DeliveryResult, Notification

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WebhookConfig",
    "render_webhook",
    "send_webhook",
    "sign",
    "verify_signature",
]

SIGNATURE_HEADER = "X-Sladesk-Signature"
TIMESTAMP_HEADER = "X-Sladesk-Timestamp"
_SCHEME = "v1"


@dataclass(frozen=True, slots=True)
class WebhookConfig:
    """A receiver: its URL and signing secret (both secret), an optional previous secret
    during rotation, and timeouts in seconds."""

    url: str = field(repr=False)
    secret: str = field(repr=False)
    previous_secret: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    connect_timeout: float = 5.0


def _as_bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def sign(secret: str | bytes, timestamp: int | str, body: str | bytes) -> str:
    """The signature header value ``v1=<hex>`` for ``body`` sent at ``timestamp``.

    The signed message is ``f"{timestamp}.".encode() + body`` (body as raw bytes, UTF-8 if
    given as str); the MAC is HMAC-SHA256 keyed with the UTF-8 secret.
    """
    message = f"{timestamp}.".encode() + _as_bytes(body)
    digest = hmac.new(_as_bytes(secret), message, hashlib.sha256).hexdigest()
    return f"{_SCHEME}={digest}"


def verify_signature(
    secret: str | bytes,
    timestamp: str | int,
    body: str | bytes,
    header: str,
    *,
    tolerance: float = 300,
    now: float | None = None,
) -> bool:
    """True if ``header`` holds a valid ``v1`` signature of ``body`` at ``timestamp``.

    ``timestamp`` is the ``X-Sladesk-Timestamp`` header (unix seconds); it must lie within
    ``tolerance`` seconds of ``now`` (unix seconds; the system clock when None), in either
    direction, so a captured request cannot be replayed later. ``header`` may hold several
    comma-separated ``v1=<hex>`` entries (secret rotation); one match suffices. Comparison
    is constant-time. Never raises for malformed input; returns False instead.
    """
    try:
        sent_at = int(str(timestamp).strip())
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - sent_at) > tolerance:
        return False
    expected = sign(secret, sent_at, body)
    candidates = [part.strip() for part in header.split(",")]
    return any(
        hmac.compare_digest(expected.encode(), candidate.encode())
        for candidate in candidates
        if candidate.startswith(f"{_SCHEME}=")
    )


def render_webhook(notification: Notification, timestamp: int) -> dict[str, Any]:
    """The JSON document sent for ``notification`` (pure; see the module docstring)."""
    ticket = (
        {"ref": notification.ticket_ref, "url": notification.ticket_url}
        if notification.ticket_ref or notification.ticket_url
        else None
    )
    return {
        "idempotency_key": notification.idempotency_key,
        "action": notification.action,
        "severity": notification.severity,
        "summary": notification.summary,
        "body": notification.body,
        "ticket": ticket,
        "extra": dict(notification.extra),
        "timestamp": timestamp,
    }


def send_webhook(
    notification: Notification,
    config: WebhookConfig,
    *,
    client: httpx.Client | None = None,
    now: datetime | None = None,
) -> DeliveryResult:
    """Sign and POST ``notification`` once; classify the answer (never raises for delivery).

    ``now`` (aware) sets the signed timestamp; the system clock when None.
    """
    timestamp = int(now.timestamp()) if now is not None else int(time.time())
    content = json.dumps(
        render_webhook(notification, timestamp), ensure_ascii=False, default=str
    ).encode()
    signatures = [sign(config.secret, timestamp, content)]
    if config.previous_secret:
        signatures.append(sign(config.previous_secret, timestamp, content))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Idempotency-Key": notification.idempotency_key,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: ",".join(signatures),
    }
    return post(
        config.url,
        content,
        headers=headers,
        timeout=config.timeout,
        connect_timeout=config.connect_timeout,
        secrets=(config.secret, config.previous_secret),
        client=client,
        now=now,
    ).result
