"""How many tickets a contact, and a contact's organization, may open in the portal and
through the API: a fence against scripts and loops (44 tickets in 3 s was possible).

Settings (``settings.SLADESK_TICKET_LIMITS`` > environment > default):

| key | env | default |
| --- | --- | --- |
| ``per_contact`` | ``SLADESK_TICKET_LIMIT_PER_CONTACT`` | 10 |
| ``per_organization`` | ``SLADESK_TICKET_LIMIT_PER_ORGANIZATION`` | 60 |
| ``window_seconds`` | ``SLADESK_TICKET_LIMIT_WINDOW_SECONDS`` | 600 |

Counted: tickets requested by the contact (or by anyone of the organization) through the
web portal or the API in the last ``window_seconds`` (a sliding window). Mail has its own
per-sender fence (`sladesk.intake`), agents' tickets for a caller are not limited. Only
the limit-th newest ticket is read (a bounded query on the requester / organization
index), so the check costs the same on a desk with a million tickets.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from sladesk.core.time import now as clock_now

from .models import Channel, Ticket

__all__ = ["CreationRefused", "TicketLimits", "creation_refusal", "limits"]

_COUNTED = (Channel.WEB, Channel.API)


@dataclass(frozen=True)
class TicketLimits:
    per_contact: int = 10
    per_organization: int = 60
    window_seconds: int = 600


@dataclass(frozen=True)
class CreationRefused:
    """Why a new ticket is refused now and for how long (seconds, for ``Retry-After``)."""

    retry_after: int
    message: str


def limits() -> TicketLimits:
    overrides: dict[str, Any] = dict(getattr(settings, "SLADESK_TICKET_LIMITS", {}) or {})
    values = {}
    for name, env in (
        ("per_contact", "SLADESK_TICKET_LIMIT_PER_CONTACT"),
        ("per_organization", "SLADESK_TICKET_LIMIT_PER_ORGANIZATION"),
        ("window_seconds", "SLADESK_TICKET_LIMIT_WINDOW_SECONDS"),
    ):
        raw = overrides.get(name, os.environ.get(env))
        if raw is not None:
            values[name] = int(raw)
    return TicketLimits(**values)


def _nth_newest(filters: dict[str, Any], n: int, since: datetime) -> datetime | None:
    if n <= 0:
        return since  # a limit of 0: nothing may be opened (until the window passes)
    rows = (
        Ticket.objects.filter(**filters, channel__in=_COUNTED, created_at__gt=since)
        .order_by("-created_at")
        .values_list("created_at", flat=True)[n - 1 : n]
    )
    return next(iter(rows), None)


def creation_refusal(contact: Any, *, at: datetime | None = None) -> CreationRefused | None:
    """None if ``contact`` may open a ticket now, else how long to wait and why."""
    at = at or clock_now()
    cfg = limits()
    window = timedelta(seconds=cfg.window_seconds)
    minutes = max(1, round(cfg.window_seconds / 60))
    for filters, limit, whom in (
        ({"requester_id": contact.pk}, cfg.per_contact, "you"),
        ({"organization_id": contact.organization_id}, cfg.per_organization, "your organization"),
    ):
        nth = _nth_newest(filters, limit, at - window)
        if nth is not None:
            wait = max(1, math.ceil((nth + window - at).total_seconds()))
            return CreationRefused(
                wait,
                f"{whom.capitalize()} opened {limit} tickets in the last {minutes} minutes, the "
                f"most allowed; try again in {wait} seconds or reply on an open ticket.",
            )
    return None
