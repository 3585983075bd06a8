"""``SLADESK_ONCALL`` settings, read when used (tests may change them).

* ``twilio``: ``{"account_sid", "auth_token", "from_number", "base_url"}`` — the
  Twilio-compatible account that sends SMS and places calls for personal notification
  rules (``base_url`` defaults to https://api.twilio.com).
* ``pagerduty_webhook_secrets``: the signing secrets of PagerDuty v3 webhook subscriptions
  (several during a rotation); empty: the PagerDuty webhook answers 404.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

__all__ = ["oncall_settings"]


def oncall_settings() -> dict[str, Any]:
    return dict(getattr(settings, "SLADESK_ONCALL", {}) or {})
