"""Acknowledging a page through the API: ``POST /api/v1/pages/<id>/ack/`` (agents and
admins). Its repeats stop and PagerDuty's incident is acknowledged
(`sladesk.notify.pages.acknowledge_page`); acknowledging twice answers the same page.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sladesk.api.permissions import IsAgent
from sladesk.notify.models import Page
from sladesk.notify.pages import acknowledge_page
from sladesk.tickets.access import ticket_scope_q

from .base import EnvelopeMixin, errors

__all__ = ["PageAckView"]


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
