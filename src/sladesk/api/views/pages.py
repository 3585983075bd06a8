"""``/api/v1/pages/``: the pages (calls to on-call) of a ticket, for agents.

``GET /api/v1/pages/?ticket=ID`` lists ticket ``ID``'s pages, oldest first, with their
state, when they were created and acknowledged (and by whom): so "this mail paged nobody"
can be checked from outside. Agents and admins only (contacts: 403); ``ticket`` is
required (400 without it, 404 for a ticket that does not exist). Acknowledge/resolve
actions belong here too (a later change).
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request

from sladesk.api.pagination import KeysetPagination
from sladesk.api.permissions import IsAgent
from sladesk.notify.models import Page
from sladesk.tickets.models import Ticket

from .base import EnvelopeMixin, errors

__all__ = ["OnCallPageSerializer", "PageViewSet"]


class OnCallPageSerializer(serializers.ModelSerializer):
    """One page: a call to on-call about a ticket."""

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
        if not Ticket.objects.filter(pk=int(raw)).exists():
            raise NotFound(f"no ticket {raw}")
        return Page.objects.filter(ticket_id=int(raw)).select_related("team", "acknowledged_by")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        paginator = cast(KeysetPagination, self.paginator)
        page = paginator.paginate(self.get_queryset(), request)
        return paginator.get_paginated_response(self.get_serializer(page, many=True).data)
