"""The status page's admin API (agents and admins): ``/api/v1/status/components/``,
``/api/v1/status/incidents/``, ``/api/v1/status/maintenances/``.

Thin views: parse with the serializers of `sladesk.api.serializers.status`, call one
service of `sladesk.status.services`, answer the Statuspage-shaped JSON of
`sladesk.status.feeds`. Objects are addressed by their public id (the ``id`` of the
public JSON). A refused service call is 400 ``refused`` with the reason; contacts and
anonymous callers get 403 / 401. Lists answer a JSON array (newest 200 at most),
filtered by ``?page=<slug>``.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.shortcuts import get_object_or_404
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status as http
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sladesk.api.permissions import IsAgent
from sladesk.api.serializers.status import (
    ComponentInput,
    ComponentPatch,
    IncidentInput,
    IncidentPatch,
    IncidentUpdateInput,
    LinkTicketInput,
    MaintenanceInput,
    PostmortemInput,
)
from sladesk.core import time as core_time
from sladesk.status import services
from sladesk.status.feeds import component_json, incident_payload, maintenance_payload
from sladesk.status.history import month_report
from sladesk.status.models import Component, Incident, Maintenance, StatusPage
from sladesk.tickets.models import Ticket

from .base import EnvelopeMixin, errors

__all__ = [
    "ComponentDetailView",
    "ComponentListView",
    "IncidentDetailView",
    "IncidentListView",
    "IncidentPostmortemView",
    "IncidentTicketView",
    "IncidentUpdateView",
    "MaintenanceCancelView",
    "MaintenanceDetailView",
    "MaintenanceListView",
    "UptimeView",
]

LIMIT = 200
_PAGE = OpenApiParameter("page", str, description="only this status page (its slug)")
_OBJECT = OpenApiResponse(
    build_basic_type(OpenApiTypes.OBJECT), description="Statuspage-shaped JSON"
)
_LIST = OpenApiResponse(
    build_array_type(build_basic_type(OpenApiTypes.OBJECT)), description="a JSON array"
)


class _Base(EnvelopeMixin, APIView):
    permission_classes = (IsAgent,)


def _filtered(qs: Any, request: Request) -> Any:
    slug = request.query_params.get("page")
    return qs.filter(page__slug=slug) if slug else qs


def _parse(serializer_class: Any, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _incident(public_id: str) -> Incident:
    return get_object_or_404(
        Incident.objects.select_related("page").prefetch_related(
            "updates", "affected__component__group"
        ),
        public_id=public_id,
    )


class ComponentListView(_Base):
    @extend_schema(
        operation_id="status_components_list",
        parameters=[_PAGE],
        responses={200: _LIST, **errors(403)},
        tags=["status"],
    )
    def get(self, request: Request) -> Response:
        rows = _filtered(Component.objects.select_related("page", "group"), request)[:LIMIT]
        return Response([{**component_json(c, c.page), "page": c.page.slug} for c in rows])

    @extend_schema(
        operation_id="status_components_create",
        request=ComponentInput,
        responses={201: _OBJECT, **errors(400, 403)},
        tags=["status"],
    )
    def post(self, request: Request) -> Response:
        data = _parse(ComponentInput, request)
        page = data.pop("page")
        component = services.create_component(page, **data)
        return Response(component_json(component, page), status=http.HTTP_201_CREATED)


class ComponentDetailView(_Base):
    @extend_schema(
        operation_id="status_components_retrieve",
        responses={200: _OBJECT, **errors(403, 404)},
        tags=["status"],
    )
    def get(self, request: Request, public_id: str) -> Response:
        c = get_object_or_404(
            Component.objects.select_related("page", "group"), public_id=public_id
        )
        return Response(component_json(c, c.page))

    @extend_schema(
        operation_id="status_components_update",
        request=ComponentPatch,
        responses={200: _OBJECT, **errors(400, 403, 404)},
        tags=["status"],
    )
    def patch(self, request: Request, public_id: str) -> Response:
        c = get_object_or_404(Component.objects.select_related("page"), public_id=public_id)
        data = _parse(ComponentPatch, request)
        c = services.update_component(c, actor=request.user, **data)
        c = Component.objects.select_related("page", "group").get(pk=c.pk)
        return Response(component_json(c, c.page))


class IncidentListView(_Base):
    @extend_schema(
        operation_id="status_incidents_list",
        parameters=[_PAGE],
        responses={200: _LIST, **errors(403)},
        tags=["status"],
    )
    def get(self, request: Request) -> Response:
        rows = _filtered(
            Incident.objects.select_related("page").prefetch_related(
                "updates", "affected__component__group"
            ),
            request,
        ).order_by("-started_at", "-id")[:LIMIT]
        return Response([incident_payload(i) for i in rows])

    @extend_schema(
        operation_id="status_incidents_create",
        request=IncidentInput,
        responses={201: _OBJECT, **errors(400, 403)},
        tags=["status"],
    )
    def post(self, request: Request) -> Response:
        data = _parse(IncidentInput, request)
        page, ticket = data.pop("page"), data.pop("ticket", None)
        if ticket is not None:
            incident = services.open_incident_for_ticket(
                ticket,
                page,
                actor=request.user,
                name=data["name"],
                body=data["body"],
                impact=data["impact"],
                components=data.get("components"),
            )
        else:
            incident = services.open_incident(page, actor=request.user, **data)
        return Response(
            incident_payload(_incident(incident.public_id)), status=http.HTTP_201_CREATED
        )


class IncidentDetailView(_Base):
    @extend_schema(
        operation_id="status_incidents_retrieve",
        responses={200: _OBJECT, **errors(403, 404)},
        tags=["status"],
    )
    def get(self, request: Request, public_id: str) -> Response:
        return Response(incident_payload(_incident(public_id)))

    @extend_schema(
        operation_id="status_incidents_update",
        request=IncidentPatch,
        responses={200: _OBJECT, **errors(400, 403, 404)},
        tags=["status"],
    )
    def patch(self, request: Request, public_id: str) -> Response:
        incident = _incident(public_id)
        data = _parse(IncidentPatch, request)
        services.edit_incident(incident, **data)
        return Response(incident_payload(_incident(public_id)))


class IncidentUpdateView(_Base):
    """``POST …/incidents/<id>/updates/``: post an update (``resolved`` tells linked tickets)."""

    @extend_schema(
        operation_id="status_incident_updates_create",
        request=IncidentUpdateInput,
        responses={201: _OBJECT, **errors(400, 403, 404)},
        tags=["status"],
    )
    def post(self, request: Request, public_id: str) -> Response:
        incident = _incident(public_id)
        services.post_update(incident, actor=request.user, **_parse(IncidentUpdateInput, request))
        return Response(incident_payload(_incident(public_id)), status=http.HTTP_201_CREATED)


class IncidentPostmortemView(_Base):
    """``POST …/incidents/<id>/postmortem/``: publish the postmortem of a resolved incident."""

    @extend_schema(
        operation_id="status_incident_postmortem_create",
        request=PostmortemInput,
        responses={201: _OBJECT, **errors(400, 403, 404)},
        tags=["status"],
    )
    def post(self, request: Request, public_id: str) -> Response:
        incident = _incident(public_id)
        services.publish_postmortem(
            incident, actor=request.user, **_parse(PostmortemInput, request)
        )
        return Response(incident_payload(_incident(public_id)), status=http.HTTP_201_CREATED)


class IncidentTicketView(_Base):
    """``POST …/incidents/<id>/tickets/``: link a ticket (its requester is told on resolve)."""

    @extend_schema(
        operation_id="status_incident_tickets_create",
        request=LinkTicketInput,
        responses={201: _OBJECT, **errors(400, 403, 404)},
        tags=["status"],
    )
    def post(self, request: Request, public_id: str) -> Response:
        incident = _incident(public_id)
        ticket = get_object_or_404(Ticket, pk=_parse(LinkTicketInput, request)["ticket"])
        services.link_ticket(ticket, incident, actor=request.user)
        return Response(incident_payload(_incident(public_id)), status=http.HTTP_201_CREATED)


_MONTH = OpenApiParameter(
    "month", str, description="the calendar month, YYYY-MM (default: this month)"
)


class UptimeView(_Base):
    """``GET /api/v1/status/uptime/?page=<slug>&month=YYYY-MM``: each component's month
    against the policy's promise (`sladesk.status.history.month_report`), for reports and
    customer statements."""

    @extend_schema(
        operation_id="status_uptime_list",
        parameters=[_PAGE, _MONTH],
        responses={200: _LIST, **errors(400, 403, 404)},
        tags=["status"],
    )
    def get(self, request: Request) -> Response:
        page = get_object_or_404(StatusPage, slug=request.query_params.get("page") or "-")
        raw = request.query_params.get("month") or core_time.now().astimezone(
            ZoneInfo(page.time_zone)
        ).strftime("%Y-%m")
        try:
            year, month = (int(x) for x in raw.split("-"))
            if not (1970 <= year <= 9999 and 1 <= month <= 12):
                raise ValueError
        except ValueError:
            raise ValidationError({"month": ["a calendar month as YYYY-MM"]}) from None
        return Response(
            [
                {
                    "component": row.component.public_id,
                    "name": row.component.name,
                    "month": f"{year:04d}-{month:02d}",
                    "time_zone": page.time_zone,
                    "uptime_percent": row.uptime.percent,
                    "target_percent": row.target,
                    "met": row.met,
                    "credit_pct": row.credit_pct,
                    "downtime_seconds": row.uptime.downtime,
                    "maintenance_seconds": row.uptime.seconds.get("under_maintenance", 0.0),
                    "counted_seconds": row.uptime.counted,
                }
                for row in month_report(page, year, month)
            ]
        )


class MaintenanceListView(_Base):
    @extend_schema(
        operation_id="status_maintenances_list",
        parameters=[_PAGE],
        responses={200: _LIST, **errors(403)},
        tags=["status"],
    )
    def get(self, request: Request) -> Response:
        rows = _filtered(
            Maintenance.objects.select_related("page").prefetch_related("components__group"),
            request,
        ).order_by("-id")[:LIMIT]
        return Response([maintenance_payload(m) for m in rows])

    @extend_schema(
        operation_id="status_maintenances_create",
        request=MaintenanceInput,
        responses={201: _OBJECT, **errors(400, 403)},
        tags=["status"],
    )
    def post(self, request: Request) -> Response:
        data = _parse(MaintenanceInput, request)
        page = data.pop("page")
        m = services.schedule_maintenance(page, actor=request.user, **data)
        return Response(maintenance_payload(m), status=http.HTTP_201_CREATED)


class MaintenanceDetailView(_Base):
    @extend_schema(
        operation_id="status_maintenances_retrieve",
        responses={200: _OBJECT, **errors(403, 404)},
        tags=["status"],
    )
    def get(self, request: Request, public_id: str) -> Response:
        return Response(maintenance_payload(get_object_or_404(Maintenance, public_id=public_id)))


class MaintenanceCancelView(_Base):
    @extend_schema(
        operation_id="status_maintenances_cancel",
        request=None,
        responses={200: _OBJECT, **errors(403, 404)},
        tags=["status"],
    )
    def post(self, request: Request, public_id: str) -> Response:
        m = services.cancel_maintenance(get_object_or_404(Maintenance, public_id=public_id))
        return Response(maintenance_payload(m))
