"""Notification delivery without Django: channels, retry classification, backoff.

The outbox (models, workers) lives elsewhere and calls `deliver` for one attempt, then
`sladesk.notify.retry.decide` to learn whether the row is done, due again after some
seconds, or dead. Importing this package installs the log filter that keeps endpoint URLs
and hosts out of the HTTP libraries' log records (see `install_log_redaction`).
"""

from __future__ import annotations

import logging
from typing import Any

from . import retry
from .channels.apprise_channel import AppriseConfig, send_apprise
from .channels.base import (
    Channel,
    DeliveryResult,
    Notification,
    Outcome,
    install_log_redaction,
)
from .channels.email import EmailConfig, send_email
from .channels.pagerduty import PagerDutyConfig, send_pagerduty
from .channels.slack import SlackConfig, send_slack
from .channels.twilio import TwilioConfig, send_twilio
from .channels.webhook import WebhookConfig, send_webhook, sign, verify_signature

__all__ = [
    "CHANNELS",
    "AppriseConfig",
    "Channel",
    "ChannelConfig",
    "DeliveryResult",
    "EmailConfig",
    "Notification",
    "Outcome",
    "PagerDutyConfig",
    "SlackConfig",
    "TwilioConfig",
    "WebhookConfig",
    "deliver",
    "retry",
    "sign",
    "verify_signature",
]

ChannelConfig = (
    SlackConfig | PagerDutyConfig | WebhookConfig | EmailConfig | AppriseConfig | TwilioConfig
)
"""Any channel's configuration; its type must match the notification's ``channel``."""

CHANNELS: dict[str, tuple[type[Any], Channel[Any]]] = {
    "slack": (SlackConfig, send_slack),
    "pagerduty": (PagerDutyConfig, send_pagerduty),
    "webhook": (WebhookConfig, send_webhook),
    "email": (EmailConfig, send_email),
    "apprise": (AppriseConfig, send_apprise),
    "sms": (TwilioConfig, send_twilio),
    "voice": (TwilioConfig, send_twilio),
}
"""Channel kind -> (its config type, its send function)."""

logger = logging.getLogger(__name__)
install_log_redaction()


def deliver(notification: Notification, config: ChannelConfig) -> DeliveryResult:
    """Make one delivery attempt of ``notification`` on its channel; never raises.

    A config of the wrong type for ``notification.channel`` is a permanent failure. An
    unexpected exception inside a channel (a bug) is reported as ``retry`` with only the
    exception's type name, so nothing secret leaks and the outbox eventually dead-letters
    it. Logs one line per attempt: kind, idempotency key, outcome, status — never the
    endpoint.
    """
    config_type, send = CHANNELS[notification.channel]
    if not isinstance(config, config_type):
        result = DeliveryResult.failed(
            detail=f"a {notification.channel} notification needs a {config_type.__name__}, "
            f"got a {type(config).__name__}"
        )
    else:
        try:
            result = send(notification, config)
        except Exception as exc:
            logger.exception("notify: %s channel raised", notification.channel)
            result = DeliveryResult.retry(detail=f"unexpected {type(exc).__name__} in channel")
    logger.info(
        "notify %s %s: %s (status %s)",
        notification.channel,
        notification.idempotency_key,
        result.outcome.value,
        result.status_code,
    )
    return result
