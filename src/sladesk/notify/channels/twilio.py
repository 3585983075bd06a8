"""SMS and phone calls through a Twilio-compatible REST API (Twilio, or any provider or
self-hosted gateway speaking its 2010-04-01 API).

* SMS: ``POST {base_url}/2010-04-01/Accounts/{account_sid}/Messages.json`` with the form
  fields ``To``, ``From``, ``Body`` (the summary, the ticket link, the acknowledge link).
* Call: ``POST .../Calls.json`` with ``To``, ``From`` and ``Twiml`` — ``<Response><Say>``
  the summary twice``</Say></Response>`` (XML-escaped).

HTTP basic auth with the account SID and auth token (the token is a secret, redacted from
every detail). Answers follow the general HTTP rules (2xx delivered — Twilio answers 201;
408/425/429/5xx retry; other 4xx permanent, e.g. 400 for an unroutable number).
Acknowledge and resolve are not sent as SMS or calls (they would wake someone for nothing).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape

import httpx

from ._http import post
from .base import DeliveryResult, Notification

__all__ = ["TwilioConfig", "render_twilio", "send_twilio"]

TWILIO_URL = "https://api.twilio.com"
_SMS_LIMIT = 1600


@dataclass(frozen=True, slots=True)
class TwilioConfig:
    """A Twilio-compatible account (SID, auth token: a secret), the sender number and the
    person's number; ``mode`` is ``sms`` or ``call``."""

    account_sid: str
    auth_token: str = field(repr=False)
    from_number: str
    to_number: str = field(repr=False)
    mode: Literal["sms", "call"] = "sms"
    base_url: str = field(default=TWILIO_URL, repr=False)
    timeout: float = 10.0
    connect_timeout: float = 5.0


def render_twilio(notification: Notification, config: TwilioConfig) -> tuple[str, dict[str, str]]:
    """The endpoint path and form fields for ``notification`` (pure)."""
    root = f"/2010-04-01/Accounts/{quote(config.account_sid, safe='')}"
    fields = {"To": config.to_number, "From": config.from_number}
    if config.mode == "call":
        said = escape(notification.summary)
        fields["Twiml"] = (
            f'<Response><Say>{said}</Say><Pause length="1"/><Say>{said}</Say></Response>'
        )
        return f"{root}/Calls.json", fields
    ack = str(notification.extra.get("ack_url") or "")
    text = "\n".join(
        t
        for t in (notification.summary, notification.ticket_url or "", f"Ack: {ack}" if ack else "")
        if t
    )
    fields["Body"] = text[:_SMS_LIMIT]
    return f"{root}/Messages.json", fields


def send_twilio(
    notification: Notification,
    config: TwilioConfig,
    *,
    client: httpx.Client | None = None,
    now: datetime | None = None,
) -> DeliveryResult:
    """Send one SMS or start one call; acknowledge/resolve are delivered as nothing."""
    if notification.action != "trigger":
        return DeliveryResult.delivered(detail=f"no {config.mode} for {notification.action}")
    path, fields = render_twilio(notification, config)
    credentials = base64.b64encode(f"{config.account_sid}:{config.auth_token}".encode()).decode()
    return post(
        config.base_url.rstrip("/") + path,
        urlencode(fields).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": f"Basic {credentials}",
        },
        timeout=config.timeout,
        connect_timeout=config.connect_timeout,
        secrets=(config.auth_token, credentials, config.to_number),
        client=client,
        now=now,
    ).result
