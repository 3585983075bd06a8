"""Ticket endpoints for merge, split, links, escalation and the original email of a message.

Mixed into `sladesk.api.views.tickets.TicketViewSet` (same access rules: role permission
classes, then row visibility through `sladesk.tickets.access`, so a ticket the caller
may not see is 404). Each handler
parses its input, calls one `sladesk.tickets.services` function and answers.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from sladesk.api.permissions import IsAgent, IsDeskUser
from sladesk.api.serializers import TicketDetailSerializer
from sladesk.api.serializers.relations import (
    EscalateSerializer,
    LinkSerializer,
    MergeSerializer,
    RelatedTicketSerializer,
    SplitSerializer,
)
from sladesk.intake.originals import original_of
from sladesk.tickets import access, selectors, services
from sladesk.tickets.models import Channel, Message, Ticket

from .base import errors

__all__ = ["TicketRelationsMixin"]

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The ticket number.")
_OTHER = OpenApiParameter(
    "other", int, OpenApiParameter.PATH, description="The related ticket's number."
)
_MESSAGE = OpenApiParameter(
    "message", int, OpenApiParameter.PATH, description="A message id of the ticket."
)


def _related(ticket: Ticket, viewer: Any) -> list[dict[str, Any]]:
    return [
        {
            "ticket": r.ticket.pk,
            "relation": r.relation,
            "subject": r.ticket.subject,
            "status": r.ticket.status,
            "organization": r.ticket.organization_id,
        }
        for r in selectors.related_tickets(ticket, viewer)
    ]


class TicketRelationsMixin:
    """``merge``, ``split``, ``links``, ``escalate`` and ``messages/{m}/email`` of a ticket."""

    request: Request
    _visible: Any
    _detail: Any
    _parse: Any

    def _other(self, number: int, field: str) -> Ticket:
        other = access.visible_tickets(self.request.user).filter(pk=number).first()
        if other is None:
            raise serializers.ValidationError({field: [f"there is no ticket #{number}"]})
        return other

    @extend_schema(
        summary="Merge this ticket into another of the same organization (agents)",
        parameters=[_ID],
        request=MergeSerializer,
        responses={200: TicketDetailSerializer, **errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"], permission_classes=(IsAgent,))
    def merge(self, request: Request, pk: str) -> Response:
        ticket = self._visible(pk)
        data = self._parse(MergeSerializer, request)
        target = services.merge(
            ticket,
            into=self._other(data["into"], "into"),
            actor=request.user,
            notify_requester=data["notify_requester"],
            note=data["note"],
            channel=Channel.API,
        )
        return self._detail(target.pk)  # type: ignore[no-any-return]

    @extend_schema(
        summary="Split messages of this ticket off into a new ticket (agents)",
        parameters=[_ID],
        request=SplitSerializer,
        responses={201: TicketDetailSerializer, **errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"], permission_classes=(IsAgent,))
    def split(self, request: Request, pk: str) -> Response:
        ticket = self._visible(pk)
        data = self._parse(SplitSerializer, request)
        new = services.split(
            ticket,
            messages=data["messages"],
            actor=request.user,
            subject=data["subject"] or None,
            priority=data["priority"] or None,
            channel=Channel.API,
        )
        return self._detail(new.pk, status.HTTP_201_CREATED)  # type: ignore[no-any-return]

    @extend_schema(
        methods=["GET"],
        summary="Related tickets: links, merges, splits and follow-ups (agents)",
        parameters=[_ID],
        request=None,
        responses={200: RelatedTicketSerializer(many=True), **errors(403, 404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Link a related ticket (symmetric; agents)",
        parameters=[_ID],
        request=LinkSerializer,
        responses={201: RelatedTicketSerializer(many=True), **errors(400, 403, 404)},
    )
    # pagination_class=None: the answer is the whole list, and so says the schema.
    @action(
        detail=True, methods=["get", "post"], permission_classes=(IsAgent,), pagination_class=None
    )
    def links(self, request: Request, pk: str) -> Response:
        ticket = self._visible(pk)
        if request.method == "GET":
            return Response(_related(ticket, request.user))
        data = self._parse(LinkSerializer, request)
        services.link(
            ticket, self._other(data["ticket"], "ticket"), actor=request.user, channel=Channel.API
        )
        return Response(_related(ticket, request.user), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove the link to a related ticket (agents; merge and split links stay)",
        parameters=[_ID, _OTHER],
        request=None,
        responses={204: None, **errors(400, 403, 404)},
    )
    @action(
        detail=True,
        methods=["delete"],
        permission_classes=(IsAgent,),
        url_path=r"links/(?P<other>[0-9]{1,18})",
        url_name="unlink",
    )
    def unlink(self, request: Request, pk: str, other: str) -> Response:
        ticket = self._visible(pk)
        if not services.unlink(
            ticket, self._visible(other), actor=request.user, channel=Channel.API
        ):
            raise Http404(f"#{pk} and #{other} are not linked")
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Escalate one rung up the policy's escalation ladder, with a reason",
        parameters=[_ID],
        request=EscalateSerializer,
        responses={200: TicketDetailSerializer, **errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"], permission_classes=(IsDeskUser,))
    def escalate(self, request: Request, pk: str) -> Response:
        ticket = self._visible(pk)
        data = self._parse(EscalateSerializer, request)
        services.escalate(ticket, actor=request.user, reason=data["reason"], channel=Channel.API)
        return self._detail(ticket.pk)  # type: ignore[no-any-return]

    @extend_schema(
        summary="The original email of a message, as received (agents)",
        parameters=[_ID, _MESSAGE],
        request=None,
        responses={
            (200, "message/rfc822"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The raw .eml"
            ),
            **errors(403, 404),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        permission_classes=(IsAgent,),
        url_path=r"messages/(?P<message>[0-9]{1,18})/email",
        url_name="original-email",
    )
    def original_email(self, request: Request, pk: str, message: str) -> HttpResponse:
        ticket = self._visible(pk)
        if not access.visible_messages(
            request.user, Message.objects.filter(pk=int(message), ticket=ticket)
        ).exists():
            raise Http404(f"no message {message} on #{ticket.pk}")
        row = original_of(int(message))
        if row is None:
            raise Http404(f"message {message} did not come by email")
        response = HttpResponse(bytes(row.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="message-{message}.eml"'
        return response
