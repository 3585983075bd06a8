"""Where a personal notification rule reaches someone: ``oncall:rule:<id>`` destinations.

Registered with `sladesk.notify.recipients.register_destination` so the outbox looks the
phone number or personal webhook URL up when it sends (never copied into the outbox).
"""

from __future__ import annotations

from typing import Any

from sladesk.notify import ChannelConfig, SlackConfig, TwilioConfig

from .conf import oncall_settings
from .models import NotificationRule

__all__ = ["resolve_rules"]


def _twilio(rule: NotificationRule, mode: str) -> TwilioConfig | None:
    account: dict[str, Any] = oncall_settings().get("twilio") or {}
    if not account.get("account_sid") or not account.get("auth_token") or not rule.address:
        return None
    return TwilioConfig(
        account_sid=account["account_sid"],
        auth_token=account["auth_token"],
        from_number=account.get("from_number", ""),
        to_number=rule.address,
        mode=mode,  # type: ignore[arg-type]
        base_url=account.get("base_url") or "https://api.twilio.com",
    )


def resolve_rules(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], ChannelConfig | None]:
    """The config of each (channel, ``rule:<id>``) pair, read now (None: gone or unset)."""
    ids = {int(ref[5:]) for _, ref in pairs if ref.startswith("rule:") and ref[5:].isdigit()}
    rules = {r.pk: r for r in NotificationRule.objects.filter(pk__in=ids)}
    out: dict[tuple[str, str], ChannelConfig | None] = {}
    for channel, ref in pairs:
        rule = rules.get(int(ref[5:])) if ref[5:].isdigit() else None
        config: ChannelConfig | None = None
        if rule is not None and rule.channel == channel:
            if channel == "slack" and rule.address:
                config = SlackConfig(webhook_url=rule.address)
            elif channel == "sms":
                config = _twilio(rule, "sms")
            elif channel == "voice":
                config = _twilio(rule, "call")
        out[(channel, ref)] = config
    return out
