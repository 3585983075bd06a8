"""Times as people read them: in the viewer's zone, with the zone named, plus "in 35 min".

Every instant shown by the desk or the portal goes through `local` (aware datetime -> the
viewer's zone) and `relative` (signed wall-clock distance from ``now`` in words). Zones are
IANA names; an unknown or blank name falls back to ``settings.TIME_ZONE`` (UTC).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings

__all__ = ["local", "relative", "span", "viewer_zone", "zone"]


@lru_cache(maxsize=256)
def zone(name: str | None) -> ZoneInfo:
    """The `ZoneInfo` for an IANA name; ``settings.TIME_ZONE`` when blank or unknown."""
    try:
        return ZoneInfo(name or settings.TIME_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def viewer_zone(user: Any) -> str:
    """The display zone of a user: an agent's profile zone, a contact's own (else its
    organization's) zone, else ``settings.TIME_ZONE``."""
    profile = getattr(user, "agent_profile", None) if user is not None else None
    if profile is not None and profile.timezone:
        return str(profile.timezone)
    contact = getattr(user, "contact", None) if user is not None else None
    if contact is not None:
        return str(contact.display_timezone)
    return str(settings.TIME_ZONE)


def local(at: datetime, zone_name: str | None) -> datetime:
    """``at`` (aware) in the named zone."""
    return at.astimezone(zone(zone_name))


def span(delta: timedelta) -> str:
    """A rounded wall-clock length: ``45 s``, ``35 min``, ``2 h 10 min``, ``3 d 4 h``."""
    seconds = abs(int(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def relative(at: datetime, now: datetime) -> str:
    """``in 35 min`` (future), ``2 h 10 min ago`` (past), ``now`` within a second."""
    delta = at - now
    if abs(delta) < timedelta(seconds=1):
        return "now"
    return f"in {span(delta)}" if delta > timedelta(0) else f"{span(delta)} ago"
