"""Pages through the API (agents and admins).

``POST /api/v1/pages/<id>/ack/``: its repeats stop and PagerDuty's incident is acknowledged
(`sladesk.notify.pages.acknowledge_page`); acknowledging twice answers the same page.

``GET /api/v1/pages/?ticket=ID`` lists ticket ``ID``'s pages, oldest first, with their
state, when they were created and acknowledged (and by whom): so "this mail paged nobody"
can be checked from outside (issue 13). ``ticket`` is required (400 without it); a ticket
that does not exist or is outside the agent's scope is 404.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sladesk.api.pagination import KeysetPagination
from sladesk.api.permissions import IsAgent
from sladesk.notify.models import Page
from sladesk.notify.pages import acknowledge_page
from sladesk.tickets.access import ticket_scope_q
from sladesk.tickets.models import Ticket

from .base import EnvelopeMixin, errors

__all__ = ["OnCallPageSerializer", "PageAckView", "PageViewSet"]


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


class OnCallPageSerializer(serializers.ModelSerializer):
    """One page in a ticket's list: a call to on-call about the ticket."""

    ticket = serializers.IntegerField(source="ticket_id", read_only=True)
    team = serializers.CharField(source="team.slug", read_only=True, default=None)
    acknowledged_by = serializers.CharField(
        source="acknowledged_by.username", read_only=True, default=None
    )

    class Meta:
        model = Page
        fields = (
            "id",
            "ticket",
            "state",
            "reason",
            "team",
            "repeats",
            "created_at",
            "acknowledged_at",
            "acknowledged_by",
        )
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="List a ticket's pages",
        parameters=[OpenApiParameter("ticket", int, required=True, description="the ticket's id")],
        responses={200: OnCallPageSerializer(many=True), **errors(400, 403, 404)},
    )
)
class PageViewSet(EnvelopeMixin, mixins.ListModelMixin, viewsets.GenericViewSet):  # type: ignore[misc]
    serializer_class = OnCallPageSerializer
    permission_classes = (IsAgent,)
    pagination_class = KeysetPagination
    queryset = Page.objects.none()

    def get_queryset(self) -> QuerySet[Page]:
        raw = self.request.query_params.get("ticket", "")
        if not raw.isdigit() or len(raw) > 18:
            raise ValidationError(
                {"ticket": ["required: the id of the ticket whose pages to list"]}
            )
        tickets = Ticket.objects.filter(pk=int(raw))
        scope = ticket_scope_q(self.request.user, "")  # a ticket outside the agent's scope: 404
        if not (tickets if scope is None else tickets.filter(scope)).exists():
            raise NotFound(f"no ticket {raw}")
        return Page.objects.filter(ticket_id=int(raw)).select_related("team", "acknowledged_by")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        paginator = cast(KeysetPagination, self.paginator)
        page = paginator.paginate(self.get_queryset(), request)
        return paginator.get_paginated_response(self.get_serializer(page, many=True).data)
