"""Ticket endpoints: list, create, retrieve, update, reply, note, pending, resume, solve
(merge, split, links, escalate, original email: `sladesk.api.views.relations`; apply a
macro: `sladesk.api.views.macros`).

Each handler parses its input with a serializer, checks access (role permission classes,
then row visibility through `sladesk.tickets.access`, so a ticket outside the caller's
organization or scope is 404), calls one write (a `sladesk.tickets.services` function, or
`sladesk.api.commands.update_ticket` for PATCH) and serializes the re-read ticket (create
serializes what the service wrote, ``ticket.opening``: no re-read).

Tickets are written out by `sladesk.api.serializers.output` from the plain rows of
`sladesk.tickets.selectors.ticket_summaries`; the DRF serializers document the shapes.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, Throttled
from rest_framework.request import Request
from rest_framework.response import Response

from sladesk.accounts.roles import Role, role_of
from sladesk.api import commands
from sladesk.api.pagination import ORDERINGS, TicketPagination
from sladesk.api.permissions import IsAgent, IsDeskUser
from sladesk.api.serializers import (
    MessageSerializer,
    ReasonSerializer,
    ReplySerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketFilterSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
    output,
)
from sladesk.core import time as core_time
from sladesk.intake import senders
from sladesk.tickets import access, search, selectors, services
from sladesk.tickets.limits import creation_refusal
from sladesk.tickets.models import Channel, Message, Ticket

from .base import EnvelopeMixin, errors
from .macros import TicketMacroMixin
from .relations import TicketRelationsMixin

__all__ = ["TicketViewSet"]

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The ticket number.")


_STATUS_SCHEMA: dict[str, Any] = {
    "parameters": [_ID],
    "request": ReasonSerializer,
    "responses": {200: TicketDetailSerializer, **errors(400, 403, 404, 409)},
}


@extend_schema_view(
    list=extend_schema(
        summary="List tickets",
        parameters=[TicketFilterSerializer],
        responses={200: TicketSerializer(many=True), **errors(400, 403)},
    ),
    create=extend_schema(
        summary="Open a ticket (JSON, or multipart/form-data with files on the description)",
        request=TicketCreateSerializer,
        responses={201: TicketDetailSerializer, **errors(400, 403, 429)},
    ),
    retrieve=extend_schema(
        summary="A ticket with its clocks and messages",
        parameters=[_ID],
        responses={200: TicketDetailSerializer, **errors(403, 404)},
    ),
    partial_update=extend_schema(
        summary="Change subject, fields, tags, priority (with reason), assignment or status",
        parameters=[_ID],
        request=TicketUpdateSerializer,
        responses={200: TicketDetailSerializer, **errors(400, 403, 404, 409)},
    ),
)
class TicketViewSet(TicketRelationsMixin, TicketMacroMixin, EnvelopeMixin, viewsets.GenericViewSet):
    """Tickets the caller may see (`sladesk.tickets.access`): admins all, agents those of
    their scope, a contact its own organization's.

    Merge, split, links, escalation and original emails: `TicketRelationsMixin`; applying
    a macro: `TicketMacroMixin`."""

    permission_classes = (IsDeskUser,)
    pagination_class = TicketPagination
    serializer_class = TicketSerializer
    queryset = Ticket.objects.none()  # rows come from selectors; this only types the schema
    lookup_value_regex = "[0-9]{1,18}"

    # ----------------------------------------------------------------- helpers
    def _visible(self, pk: str) -> Ticket:
        """The ticket if the caller may see it; ``Http404`` otherwise."""
        return access.access_ticket(
            self.request.user, pk, Ticket.objects.select_related("policy_version")
        )

    def _detail(self, pk: int, code: int = status.HTTP_200_OK) -> Response:
        """The ticket ``pk`` with its clocks and the messages the caller may read; 404 when
        not visible."""
        user, now = self.request.user, core_time.now()
        rows = selectors.ticket_summaries(access.visible_tickets(user).filter(pk=pk), now)
        if not rows:
            raise Ticket.DoesNotExist(pk)
        messages = access.visible_messages(user, Message.objects.filter(ticket_id=pk))
        data = output.ticket_data(
            rows[0], selectors.with_attachments(messages), customer=_is_contact(user)
        )
        return Response(data, status=code)

    @staticmethod
    def _parse(serializer_class: type, request: Request, **context: Any) -> Any:
        serializer = serializer_class(data=request.data, context={"request": request, **context})
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    # ----------------------------------------------------------------- collection
    def list(self, request: Request) -> Response:
        params = TicketFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        filters = params.filters()
        text = params.validated_data.get("q") or ""
        now = core_time.now()

        def rows() -> Any:
            qs = selectors.filter_tickets(access.visible_tickets(request.user), **filters)
            if not text:
                return qs
            return qs.filter(search.match_q(text, public_only=_is_contact(request.user)))

        page = self.paginator.paginate(
            rows,
            request,
            ORDERINGS[params.validated_data["ordering"]],
            load=lambda page, key: selectors.ticket_summaries(page, now, extra=key),
            page=None if text else selectors.breaching_page(request.user, filters, now),
        )
        return self.paginator.get_paginated_response(
            output.tickets_data(page, customer=_is_contact(request.user))
        )

    def create(self, request: Request) -> Response:
        if role_of(request.user) == Role.CONTACT:  # fenced: sladesk.tickets.limits
            refused = creation_refusal(request.user.contact)
            if refused is not None:
                raise Throttled(wait=refused.retry_after, detail=refused.message)
        data = self._parse(TicketCreateSerializer, request)
        ticket = services.open_ticket(
            organization=data["organization"],
            requester=data["requester"],
            subject=data["subject"],
            description=data["description"],
            priority=data.get("priority"),
            custom_fields=data["custom_fields"],
            tags=data["tags"],
            channel=Channel.API,
            actor=request.user,
            attachments=data["files"],
        )
        # Answer from what the service wrote (no read-back): its only message is the
        # public description, which every caller who may open the ticket may read, and
        # the files sent with it (none: no query).
        message = ticket.opening.message
        files = list(message.attachments.all()) if data["files"] else ()
        data = output.ticket_data(
            selectors.opened_summary(ticket), customer=_is_contact(request.user)
        )
        data["messages"] = [output.message_data(message, attachments=files)]
        return Response(data, status=status.HTTP_201_CREATED)

    # ----------------------------------------------------------------- one ticket
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(int(pk))

    def partial_update(self, request: Request, pk: str) -> Response:
        ticket = self._visible(pk)
        if role_of(request.user) == Role.CONTACT:
            # Before validating: a contact sending a priority is told it may not, not that a
            # reason is missing.
            given = set(request.data) & set(TicketUpdateSerializer._declared_fields)
            refused = sorted(given - TicketUpdateSerializer.CONTACT_FIELDS)
            if refused:
                raise PermissionDenied(f"a contact may not change {', '.join(refused)}")
        data = self._parse(TicketUpdateSerializer, request, ticket=ticket)
        commands.update_ticket(ticket, actor=request.user, **data)
        return self._detail(ticket.pk)

    @extend_schema(
        summary="Post a public reply (agents and the ticket's organization's contacts); "
        "JSON, or multipart/form-data with files",
        parameters=[_ID],
        request=ReplySerializer,
        responses={201: MessageSerializer, **errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str) -> Response:
        ticket = self._visible(pk)
        data = self._parse(ReplySerializer, request)
        message = services.reply(
            ticket,
            author=request.user,
            body=data["body"],
            html=data.get("html") or None,
            channel=Channel.API,
            attachments=data["files"],
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Add an internal note (agents only; contacts never see notes); JSON, or "
        "multipart/form-data with files",
        parameters=[_ID],
        request=ReplySerializer,
        responses={201: MessageSerializer, **errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"], permission_classes=(IsAgent,))
    def note(self, request: Request, pk: str) -> Response:
        ticket = self._visible(pk)
        data = self._parse(ReplySerializer, request)
        message = services.add_note(
            ticket,
            author=request.user,
            body=data["body"],
            html=data.get("html") or None,
            channel=Channel.API,
            attachments=data["files"],
        )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

    def _status_action(self, request: Request, pk: str, service: Any) -> Response:
        ticket = self._visible(pk)
        data = self._parse(ReasonSerializer, request)
        service(ticket, actor=request.user, reason=data["reason"], channel=Channel.API)
        return self._detail(ticket.pk)

    @extend_schema(
        summary="Waiting on the customer: pause the clocks the policy pauses", **_STATUS_SCHEMA
    )
    @action(detail=True, methods=["post"], permission_classes=(IsAgent,))
    def pending(self, request: Request, pk: str) -> Response:
        return self._status_action(request, pk, services.set_pending)

    @extend_schema(
        summary="Back to open: paused clocks count again, used time kept", **_STATUS_SCHEMA
    )
    @action(detail=True, methods=["post"], permission_classes=(IsAgent,))
    def resume(self, request: Request, pk: str) -> Response:
        return self._status_action(request, pk, services.resume)

    @extend_schema(summary="Solved: resolution met, other open clocks cancelled", **_STATUS_SCHEMA)
    @action(detail=True, methods=["post"], permission_classes=(IsAgent,))
    def solve(self, request: Request, pk: str) -> Response:
        return self._status_action(request, pk, services.solve)

    @extend_schema(
        summary="Confirm the sender of the ticket's unverified mail (agents only): the priority "
        "the mail asked for applies and on-call is paged as for verified mail",
        parameters=[_ID],
        request=None,
        responses={200: TicketDetailSerializer, **errors(403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="confirm-sender", permission_classes=(IsAgent,))
    def confirm_sender(self, request: Request, pk: str) -> Response:
        ticket = self._visible(pk)
        senders.confirm_sender(ticket, request.user)
        return self._detail(ticket.pk)


def _is_contact(user: Any) -> bool:
    """Whether ``user`` reads as a customer (internal clocks are left out for them)."""
    return role_of(user) == Role.CONTACT
