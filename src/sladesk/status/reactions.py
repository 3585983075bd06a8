"""What the status app plugs into the layers below it when it loads (`StatusConfig.ready`).

- ``status-subscriber:<id>`` outbox destinations: a webhook subscriber's URL and secret,
  read when the row is sent (`sladesk.notify.recipients.register_destination`).
- The maintenance veto on breach pages (`sladesk.notify.pages.register_page_veto`): where
  the ticket's policy says ``uptime: {maintenance_silences_pages: true}``, a ticket about a
  component inside an announced maintenance window is not paged when a target is missed
  (the ``action`` event says why). A ticket is *about* a component when it is linked to an
  incident affecting it, or its ``component`` custom field names it (id or name).
"""

from __future__ import annotations

from datetime import datetime

from sladesk.notify import ChannelConfig, WebhookConfig
from sladesk.notify.pages import register_page_veto
from sladesk.notify.recipients import register_destination
from sladesk.tickets.clocks import policy_of
from sladesk.tickets.models import SlaClock, Ticket

__all__ = ["connect", "maintenance_veto", "subscriber_destination", "ticket_components"]


def subscriber_destination(channel: str, ref: str) -> ChannelConfig | None:
    """The webhook of subscriber ``ref`` while it is active (None: gone or unsubscribed)."""
    from .models import Subscriber, SubscriberKind

    if channel != "webhook" or not ref.isdigit():
        return None
    sub = Subscriber.objects.filter(
        pk=int(ref), kind=SubscriberKind.WEBHOOK, unsubscribed_at__isnull=True
    ).first()
    if sub is None or not sub.webhook_url or not sub.webhook_secret:
        return None
    return WebhookConfig(url=sub.webhook_url, secret=sub.webhook_secret)


def ticket_components(ticket: Ticket) -> dict[int, str]:
    """The components ``ticket`` is about: id -> name."""
    from django.db.models import Q

    from .models import Component, IncidentComponent, TicketIncident

    out: dict[int, str] = {}
    link = (
        TicketIncident.objects.filter(ticket_id=ticket.pk)
        .values_list("incident_id", flat=True)
        .first()
    )
    if link is not None:
        for cid, name in IncidentComponent.objects.filter(incident_id=link).values_list(
            "component_id", "component__name"
        ):
            out[cid] = name
    named = str((ticket.custom_fields or {}).get("component") or "").strip()
    if named:
        for cid, name in Component.objects.filter(
            Q(public_id=named) | Q(name__iexact=named)
        ).values_list("pk", "name"):
            out[cid] = name
    return out


def maintenance_veto(ticket: Ticket, clock: SlaClock | None, moment: datetime) -> str | None:
    """Why not to page about ``ticket`` at ``moment`` (None: page as usual)."""
    from .services.maintenance import components_in_maintenance

    terms = getattr(policy_of(ticket), "uptime", None)
    if terms is None or not terms.maintenance_silences_pages:
        return None
    about = ticket_components(ticket)
    inside = components_in_maintenance(about, moment)
    if not inside:
        return None
    names = ", ".join(sorted(about[c] for c in inside))
    return f"{names} under announced maintenance (policy: uptime.maintenance_silences_pages)"


def connect() -> None:
    register_destination(
        "status-subscriber",
        lambda pairs: {
            (channel, ref): subscriber_destination(channel, ref) for channel, ref in pairs
        },
    )
    register_page_veto(maintenance_veto)
