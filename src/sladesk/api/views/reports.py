"""``GET /api/v1/reports/attainment/``: SLA attainment rows (`sladesk.reports.attainment`)."""

from __future__ import annotations

from datetime import date
from typing import Any

from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sladesk.reports.access import report_scope
from sladesk.reports.attainment import attainment, parse_group_by

from ..permissions import IsAgent

__all__ = ["AttainmentView"]

_MAX_DAYS = 3 * 366


def _date(request: Request, name: str) -> date:
    raw = request.query_params.get(name)
    if not raw:
        raise exceptions.ValidationError({name: [f"{name} is required (YYYY-MM-DD)"]})
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise exceptions.ValidationError({name: [f"{name} must be a date YYYY-MM-DD, got {raw[:40]!r}"]}) from None


class AttainmentView(APIView):
    """Attainment over tickets opened in ``[from, to)`` (UTC days), grouped by ``group_by``
    (any of organization, plan, priority, metric, team, month, week; default
    ``organization,priority,metric``). Agents and admins only."""

    permission_classes = [IsAgent]

    def get(self, request: Request) -> Response:
        start, end = _date(request, "from"), _date(request, "to")
        if end <= start:
            raise exceptions.ValidationError({"to": ["to must be after from"]})
        if (end - start).days > _MAX_DAYS:
            raise exceptions.ValidationError({"to": [f"at most {_MAX_DAYS} days per request"]})
        try:
            group_by = parse_group_by(request.query_params.get("group_by"))
        except ValueError as exc:
            raise exceptions.ValidationError({"group_by": [str(exc)]}) from None
        rows: list[dict[str, Any]] = attainment(start, end, group_by, report_scope(request.user))
        return Response({"rows": rows})
