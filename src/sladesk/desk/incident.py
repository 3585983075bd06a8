"""The ticket page's status-page panel: the incident the ticket is about; declare one from
a ticket of the policy's most urgent priority (P1, Sev1, P0, urgent), or link an open one.

Each write is one status service (`sladesk.status.services`): `open_incident_for_ticket`
(which refuses less urgent tickets and non-agents itself) or `link_ticket`. Resolving the
incident later replies on the ticket and mails its requester.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, FilteredRelation, Q
from django.http import HttpRequest

from sladesk.status import services as status_services
from sladesk.status.models import Component, Incident, StatusPage
from sladesk.tickets.models import Ticket

from .writes import ticket_write

__all__ = ["incident_context", "link_incident", "open_incident"]


def incident_context(ticket: Ticket) -> dict[str, Any]:
    """What the panel shows: the linked incident, whether one may be declared, where.

    One query in the usual case (open incidents and the linked one together); the pages
    and their components are read only when the ticket may declare an incident."""
    rows = list(
        Incident.objects.filter(Q(resolved_at__isnull=True) | Q(ticket_links__ticket=ticket))
        .select_related("page")
        .annotate(linked=FilteredRelation("ticket_links", condition=Q(ticket_links__ticket=ticket)))
        .annotate(told_at=F("linked__told_at"), linked_id=F("linked__id"))
        .order_by("-started_at")[:21]
    )
    link = next((i for i in rows if i.linked_id is not None), None)
    may_open = link is None and status_services.can_open_incident(ticket)
    pages = (
        list(StatusPage.objects.prefetch_related("components").order_by("-is_default", "name"))
        if may_open
        else []
    )
    return {
        "status_link": link,
        "status_pages": pages,
        "may_open_incident": bool(pages),
        "open_incidents": [i for i in rows if i.resolved_at is None][:20],
    }


@ticket_write
def open_incident(request: HttpRequest, ticket: Ticket) -> str:
    page = StatusPage.objects.filter(pk=request.POST.get("page") or 0).first()
    if page is None:
        return "!Choose a status page."
    ids = request.POST.getlist("component")
    status = request.POST.get("component_status") or "major_outage"
    components = {
        c.pk: status
        for c in Component.objects.filter(page=page, pk__in=[i for i in ids if i.isdigit()])
    }
    incident = status_services.open_incident_for_ticket(
        ticket,
        page,
        actor=request.user,
        name=(request.POST.get("name") or "").strip(),
        body=(request.POST.get("body") or "").strip(),
        impact=request.POST.get("impact") or "major",
        components=components,
    )
    return (
        f"Incident \u201c{incident.name}\u201d declared on {page.name}; the ticket is linked to it."
    )


@ticket_write
def link_incident(request: HttpRequest, ticket: Ticket) -> str:
    incident = Incident.objects.filter(public_id=request.POST.get("incident", "")).first()
    if incident is None:
        return "!Choose an incident."
    status_services.link_ticket(ticket, incident, actor=request.user)
    return (
        f"Linked to the incident \u201c{incident.name}\u201d; "
        "the requester is told when it is resolved."
    )
