"""``GET /api/v1/reports/attainment/``: SLA attainment rows (`sladesk.reports.attainment`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sladesk.reports.access import report_scope
from sladesk.reports.attainment import attainment, parse_group_by

from ..permissions import IsAgent
from .base import EnvelopeMixin, errors

__all__ = ["AttainmentRowSerializer", "AttainmentSerializer", "AttainmentView"]

_MAX_DAYS = 3 * 366


def _query(request: Request) -> tuple[date, date, list[str]]:
    """``from``, ``to`` and ``group_by`` of the query; every problem is reported at once
    (a 400 naming each field)."""
    problems: dict[str, list[str]] = {}
    days: dict[str, date] = {}
    for name in ("from", "to"):
        raw = request.query_params.get(name)
        if not raw:
            problems[name] = [f"{name} is required (YYYY-MM-DD)"]
            continue
        try:
            days[name] = date.fromisoformat(raw)
        except ValueError:
            problems[name] = [f"{name} must be a date YYYY-MM-DD, got {raw[:40]!r}"]
    if len(days) == 2:
        if days["to"] <= days["from"]:
            problems["to"] = ["to must be after from"]
        elif (days["to"] - days["from"]).days > _MAX_DAYS:
            problems["to"] = [f"at most {_MAX_DAYS} days per request"]
    group_by: list[str] = []
    try:
        group_by = parse_group_by(request.query_params.get("group_by"))
    except ValueError as exc:
        problems["group_by"] = [str(exc)]
    if problems:
        raise exceptions.ValidationError(problems)
    return days["from"], days["to"], group_by


class AttainmentRowSerializer(serializers.Serializer):
    """One group's figures; the grouping fields present are those asked in ``group_by``."""

    organization = serializers.IntegerField(required=False, help_text="Organization id.")
    plan = serializers.CharField(required=False)
    priority = serializers.CharField(required=False)
    metric = serializers.CharField(required=False)
    team = serializers.IntegerField(required=False, allow_null=True)
    month = serializers.CharField(required=False, help_text="YYYY-MM (UTC).")
    week = serializers.CharField(required=False, help_text="The Monday of the ISO week.")
    tickets = serializers.IntegerField(help_text="Clocks of this metric, cancelled ones left out.")
    met = serializers.IntegerField()
    breached = serializers.IntegerField(help_text="Includes clocks met late.")
    running = serializers.IntegerField(help_text="Running or paused.")
    pct_met = serializers.FloatField(allow_null=True, help_text="met / (met + breached) in %.")
    p50_seconds = serializers.IntegerField(allow_null=True, help_text="Working time used, ±1 %.")
    p90_seconds = serializers.IntegerField(allow_null=True)
    p50_calendar_seconds = serializers.IntegerField(allow_null=True)
    p90_calendar_seconds = serializers.IntegerField(allow_null=True)
    paused_seconds = serializers.IntegerField()


class AttainmentSerializer(serializers.Serializer):
    rows = AttainmentRowSerializer(many=True)


class AttainmentView(EnvelopeMixin, APIView):
    """Attainment over tickets opened in ``[from, to)`` (UTC days), grouped by ``group_by``
    (any of organization, plan, priority, metric, team, month, week; default
    ``organization,priority,metric``). Agents and admins only."""

    permission_classes = [IsAgent]

    @extend_schema(
        operation_id="reports_attainment",
        parameters=[
            OpenApiParameter(
                "from", OpenApiTypes.DATE, required=True, description="First UTC day (included)."
            ),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, required=True, description="Last UTC day (excluded)."
            ),
            OpenApiParameter(
                "group_by",
                str,
                description="Comma-separated: organization, plan, priority, "
                "metric, team, month, week (default organization,priority,metric).",
            ),
        ],
        responses={200: AttainmentSerializer, **errors(400, 403)},
    )
    def get(self, request: Request) -> Response:
        start, end, group_by = _query(request)
        rows: list[dict[str, Any]] = attainment(start, end, group_by, report_scope(request.user))
        return Response({"rows": rows})
