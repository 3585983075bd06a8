"""Macros: ``/api/v1/macros/`` (list, create, retrieve, PATCH, DELETE), a preview of what
one does to a ticket (``GET /api/v1/macros/{id}/preview/?ticket=``) and
``POST /api/v1/tickets/{id}/apply-macro/`` (`TicketMacroMixin`).

Agents and admins only (contacts 403). Which macros a caller uses and manages is
`sladesk.macros.access`: the shared ones and its own; another agent's personal macro is
404; changing a shared one, or sharing one, is for admins (403). Writes go through
`sladesk.macros.services` (save, delete, apply) — the desk's functions.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from sladesk.api.pagination import KeysetPagination
from sladesk.api.permissions import IsAgent
from sladesk.api.serializers import TicketDetailSerializer
from sladesk.api.serializers.macros import (
    ApplyMacroSerializer,
    MacroPlanSerializer,
    MacroSerializer,
)
from sladesk.macros import services as macros
from sladesk.macros.access import access_macro, may_manage, usable_macros
from sladesk.macros.models import Macro
from sladesk.tickets import access

from .base import EnvelopeMixin, errors

__all__ = ["MacroViewSet", "TicketMacroMixin"]

_PK = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The macro's id.")
_TICKET = OpenApiParameter(
    "ticket", int, OpenApiParameter.QUERY, required=True, description="The ticket number."
)


def _plan_data(macro: Macro, ticket_id: int, plan: macros.Plan) -> dict[str, Any]:
    return {"macro": macro.pk, "ticket": ticket_id, "reply": plan.reply, "changes": plan.changes}


@extend_schema_view(
    list=extend_schema(
        summary="List the macros the caller may use (shared ones and its own)",
        responses={200: MacroSerializer(many=True), **errors(400, 403)},
    ),
    create=extend_schema(
        summary="Add a macro: personal, or shared (admins)",
        responses={201: MacroSerializer, **errors(400, 403)},
    ),
    retrieve=extend_schema(
        summary="One macro", parameters=[_PK], responses={200: MacroSerializer, **errors(403, 404)}
    ),
    partial_update=extend_schema(
        summary="Change a macro (its owner; a shared one: admins)",
        parameters=[_PK],
        responses={200: MacroSerializer, **errors(400, 403, 404)},
    ),
    destroy=extend_schema(
        summary="Delete a macro (its owner; a shared one: admins)",
        parameters=[_PK],
        responses={204: None, **errors(403, 404)},
    ),
)
class MacroViewSet(
    EnvelopeMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The caller's usable macros (`sladesk.macros.access`)."""

    http_method_names = ("get", "post", "patch", "delete", "head", "options")
    permission_classes = (IsAgent,)
    pagination_class = KeysetPagination
    serializer_class = MacroSerializer
    queryset = Macro.objects.none()  # rows come from get_queryset; this only types the schema
    lookup_value_regex = "[0-9]{1,18}"

    def get_queryset(self) -> QuerySet[Macro]:
        return usable_macros(self.request.user).order_by("id")

    def get_object(self) -> Macro:
        return access_macro(self.request.user, self.kwargs["pk"])

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        paginator = cast(KeysetPagination, self.paginator)
        page = paginator.paginate(self.get_queryset(), request)
        return paginator.get_paginated_response(self.get_serializer(page, many=True).data)

    def _save(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        shared = data.pop("shared", serializer.instance.shared if serializer.instance else False)
        macro = serializer.instance or Macro()
        for field, value in data.items():
            setattr(macro, field, value)
        try:
            serializer.instance = macros.save(macro, by=self.request.user, shared=shared)
        except macros.MacroRefused as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc

    def perform_create(self, serializer: Any) -> None:
        self._save(serializer)

    def perform_update(self, serializer: Any) -> None:
        if not may_manage(self.request.user, serializer.instance):
            raise exceptions.PermissionDenied(
                "only admins change shared macros"
                if serializer.instance.shared
                else "only its owner changes a personal macro"
            )
        self._save(serializer)

    def perform_destroy(self, instance: Macro) -> None:
        try:
            macros.delete(instance, by=self.request.user)
        except macros.MacroRefused as exc:
            raise exceptions.PermissionDenied(str(exc)) from exc

    @extend_schema(
        summary="What the macro would do to a ticket: the rendered reply and the changes "
        "(nothing is changed)",
        parameters=[_PK, _TICKET],
        responses={200: MacroPlanSerializer, **errors(400, 403, 404)},
    )
    @action(detail=True, methods=["get"])
    def preview(self, request: Request, pk: str) -> Response:
        macro = self.get_object()
        number = request.query_params.get("ticket", "")
        if not number.isdigit() or len(number) > 18:
            raise exceptions.ValidationError({"ticket": ["a ticket number is required"]})
        ticket = access.access_ticket(request.user, number)
        return Response(_plan_data(macro, ticket.pk, macros.plan(macro, ticket, request.user)))


class TicketMacroMixin:
    """``POST /tickets/{id}/apply-macro/`` of `sladesk.api.views.tickets.TicketViewSet`."""

    request: Request
    _visible: Any
    _detail: Any
    _parse: Any

    @extend_schema(
        summary="Apply a macro (agents): its reply, tags, assignment, priority and status in "
        "one transaction; a refusal changes nothing",
        parameters=[OpenApiParameter("id", int, OpenApiParameter.PATH, description="The ticket.")],
        request=ApplyMacroSerializer,
        responses={200: TicketDetailSerializer, **errors(400, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="apply-macro", permission_classes=(IsAgent,))
    def apply_macro(self, request: Request, pk: str) -> Response:
        ticket = self._visible(pk)
        data = self._parse(ApplyMacroSerializer, request)
        macro = usable_macros(request.user).filter(pk=data["macro"]).first()
        if macro is None:
            raise serializers.ValidationError({"macro": [f"there is no macro {data['macro']}"]})
        macros.apply(macro, ticket, request.user)
        return self._detail(ticket.pk, status.HTTP_200_OK)  # type: ignore[no-any-return]
