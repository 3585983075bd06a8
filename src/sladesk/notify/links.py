"""Links put into notifications (absolute, from ``SLADESK_NOTIFY["public_url"]``)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from .conf import conf

__all__ = ["absolute", "ticket_url"]


def absolute(path: str) -> str:
    return conf().public_url.rstrip("/") + path


def ticket_url(ticket_id: int) -> str:
    """The link to the ticket shown in notifications."""
    try:
        return absolute(reverse("admin:tickets_ticket_change", args=[ticket_id]))
    except NoReverseMatch:
        return absolute(f"/tickets/{ticket_id}/")
