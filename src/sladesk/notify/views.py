"""HTTP endpoints of the notify layer: health, metrics, acknowledging a page.

- ``GET /health/``: JSON snapshot (`sladesk.notify.health`); 200 when ok, 503 degraded.
- ``GET /metrics``: the same numbers in Prometheus text format.
- ``GET /notify/ack/<token>/``: the signed link in a page; shows the page and a button
  (a GET never acknowledges: mail scanners follow links). ``POST`` acknowledges.
- ``POST /api/v1/pages/<id>/ack/``: acknowledge through the API (agents).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sladesk.api.permissions import IsAgent
from sladesk.api.views.base import EnvelopeMixin, errors
from sladesk.tickets.access import ticket_scope_q

from .health import metrics_text, snapshot
from .models import Page
from .pages import acknowledge_page, page_for_token

__all__ = ["PageAckView", "ack_link", "health", "metrics"]


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    snap = snapshot()
    return JsonResponse(snap.as_json(), status=200 if snap.status == "ok" else 503)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    return HttpResponse(metrics_text(snapshot()), content_type="text/plain; version=0.0.4")


@require_http_methods(["GET", "POST"])
def ack_link(request: HttpRequest, token: str) -> HttpResponse:
    page = page_for_token(token)
    if page is None:
        return render(request, "notify/ack.html", {"invalid": True}, status=404)
    if request.method == "POST":
        user = request.user if request.user.is_authenticated else "acknowledge link"
        page = acknowledge_page(page, user, via="link")
    return render(request, "notify/ack.html", {"page": page})


def _page_json(page: Page) -> dict[str, Any]:
    return {
        "id": page.pk,
        "ticket": page.ticket_id,
        "state": page.state,
        "reason": page.reason,
        "acknowledged_at": page.acknowledged_at,
        "acknowledged_via": page.acknowledged_via,
    }


_PAGE = inline_serializer(
    "Page",
    {
        "id": serializers.IntegerField(),
        "ticket": serializers.IntegerField(),
        "state": serializers.CharField(),
        "reason": serializers.CharField(),
        "acknowledged_at": serializers.DateTimeField(allow_null=True),
        "acknowledged_via": serializers.CharField(),
    },
)


class PageAckView(EnvelopeMixin, APIView):
    """Acknowledge a page: its repeats stop and PagerDuty's incident is acknowledged."""

    permission_classes = [IsAgent]

    @extend_schema(
        summary="Acknowledge a page",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The page id.")],
        request=None,
        responses={200: _PAGE, **errors(403, 404)},
    )
    def post(self, request: Request, id: int) -> Response:
        pages = Page.objects.filter(pk=id)
        scope = ticket_scope_q(request.user, "ticket__")  # a page of a ticket outside: 404
        page = (pages if scope is None else pages.filter(scope)).first()
        if page is None:
            raise NotFound("no such page")
        return Response(_page_json(acknowledge_page(page, request.user, via="api")))
