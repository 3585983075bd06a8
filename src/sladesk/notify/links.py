"""Links put into notifications (absolute, from ``SLADESK_NOTIFY["public_url"]``)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from .conf import conf

__all__ = ["absolute", "ticket_url"]


def absolute(path: str) -> str:
    return conf().public_url.rstrip("/") + path


def ticket_url(ticket_id: int) -> str:
    """The link to the ticket shown in notifications: the agent desk's ticket page."""
    for name in ("desk:ticket", "admin:tickets_ticket_change"):
        try:
            return absolute(reverse(name, args=[ticket_id]))
        except NoReverseMatch:
            continue
    return absolute(f"/desk/tickets/{ticket_id}/")
