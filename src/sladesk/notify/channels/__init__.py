"""Delivery channels: one module per kind (`slack`, `pagerduty`, `webhook`, `email`,
`apprise_channel`), each with a frozen config dataclass and a ``send_*`` function that
makes one attempt and never raises for delivery problems. `base` holds what they share.

This package re-exports only `base`, so that `sladesk.notify.retry` can import the result
types without pulling in the channels (which import the retry rules themselves); import a
channel from its module or use `sladesk.notify`. See docs/notifications.md.
"""

from .base import (
    Channel,
    DeliveryResult,
    Notification,
    Outcome,
    install_log_redaction,
    redact,
)

__all__ = [
    "Channel",
    "DeliveryResult",
    "Notification",
    "Outcome",
    "install_log_redaction",
    "redact",
]
