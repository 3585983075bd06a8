"""``{{ value|status_time }}``: an ISO instant of the public JSON as "4 Dec 2026, 16:15 UTC"."""

from __future__ import annotations

from datetime import UTC, datetime

from django import template

__all__ = ["status_time"]

register = template.Library()


@register.filter
def status_time(value: str | datetime | None) -> str:
    if not value:
        return ""
    at = (
        value
        if isinstance(value, datetime)
        else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    )
    at = at.astimezone(UTC)
    return f"{at.day} {at:%b %Y, %H:%M} UTC"
