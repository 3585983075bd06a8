"""Microsoft Teams, Discord, Matrix, Telegram and ~100 more through Apprise (optional).

Configure an Apprise URL (https://github.com/caronc/apprise/wiki), e.g.
``workflows://<host>:443/<workflow>/<signature>`` for Microsoft Teams Power Automate
workflows, ``discord://<id>/<token>`` or ``json://host/path`` for a plain JSON POST.
Apprise must be installed (``pip install apprise``); without it the channel fails
permanently with a clear detail instead of failing at import time.

The message: title ``[<SEVERITY>] <ref> <summary>``, body = the notification's body and
ticket URL; the Apprise notify type follows the severity (critical/error -> failure,
warning -> warning, info -> info) and ``resolve`` is shown as success.

Answers: Apprise reports success or failure per call but not the receiver's status code,
so every failure is treated as transient (``retry``) and `sladesk.notify.retry.decide`
dead-letters it after ``MAX_ATTEMPTS``. A URL Apprise cannot parse is a permanent failure.
The Apprise URL is a secret (it holds tokens) and is redacted from details and from the
log records of Apprise and urllib3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .base import DeliveryResult, Notification, redacting, url_secrets

__all__ = ["AppriseConfig", "send_apprise"]

_NOTIFY_TYPE = {"critical": "failure", "error": "failure", "warning": "warning", "info": "info"}


@dataclass(frozen=True, slots=True)
class AppriseConfig:
    """One Apprise URL (a secret). ``timeout`` (seconds) bounds the whole notify call."""

    url: str = field(repr=False)
    timeout: float = 15.0


def _render(notification: Notification) -> tuple[str, str, str]:
    label = notification.severity.upper()
    if notification.action != "trigger":
        label = f"{label} · {notification.action}d"
    ref = f"{notification.ticket_ref} " if notification.ticket_ref else ""
    title = f"[{label}] {ref}{notification.summary}"
    body = notification.body or notification.summary
    if notification.ticket_url:
        body += f"\n\n{notification.ticket_ref or 'Ticket'}: {notification.ticket_url}"
    kind = "success" if notification.action == "resolve" else _NOTIFY_TYPE[notification.severity]
    return title, body, kind


def send_apprise(notification: Notification, config: AppriseConfig) -> DeliveryResult:
    """Send ``notification`` through the Apprise URL once and classify the outcome."""
    try:
        import apprise
    except ImportError:
        return DeliveryResult.failed(detail="the apprise package is not installed")
    title, body, kind = _render(notification)
    with redacting(*url_secrets(config.url)):
        sender: Any = apprise.Apprise()
        if not sender.add(config.url):
            return DeliveryResult.failed(detail="Apprise cannot use the configured URL")
        try:
            outcome = sender.notify(
                body=body, title=title, notify_type=kind, timeout=config.timeout
            )
        except Exception as exc:  # an Apprise plugin bug must not kill the worker
            return DeliveryResult.retry(detail=f"Apprise raised {type(exc).__name__}")
    if outcome:
        return DeliveryResult.delivered(detail="Apprise reported success")
    return DeliveryResult.retry(detail="Apprise reported a failed delivery")
