"""``/desk/satisfaction/``: rating results per agent, team and organization, and the latest
comments, over the tickets the agent may see (`sladesk.satisfaction.services.results`)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sladesk.satisfaction.models import SatisfactionRating
from sladesk.satisfaction.services import results
from sladesk.tickets.access import ticket_scope_q
from sladesk.web.access import agent_required
from sladesk.web.timefmt import viewer_zone

__all__ = ["satisfaction"]

LATEST = 20


@agent_required
def satisfaction(request: HttpRequest) -> HttpResponse:
    """Three tables (agent, team, organization) and the latest answered surveys."""
    latest = SatisfactionRating.objects.exclude(rating="").select_related(
        "ticket", "agent", "organization"
    )
    scope = ticket_scope_q(request.user, "ticket__")
    if scope is not None:
        latest = latest.filter(scope)
    groups = [
        (g, label, results(request.user, g))
        for g, label in (("agent", "Agent"), ("team", "Team"), ("organization", "Organization"))
    ]
    return render(
        request,
        "desk/satisfaction.html",
        {
            "groups": groups,
            "latest": list(latest.order_by("-rated_at", "-pk")[:LATEST]),
            "agent_zone": viewer_zone(request.user),
        },
    )
