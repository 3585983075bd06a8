"""``GET /api/v1/satisfaction/?group_by=agent|team|organization``: rating results (agents)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sladesk.api.permissions import IsAgent
from sladesk.satisfaction.services import results

from .base import EnvelopeMixin, errors

__all__ = ["SatisfactionView"]

_GROUPS = ("agent", "team", "organization")


class SatisfactionResultSerializer(serializers.Serializer):
    """One agent's, team's or organization's answered surveys (documentation only)."""

    id = serializers.IntegerField(
        allow_null=True, help_text="agent (user) id, team id or organization id"
    )
    name = serializers.CharField()
    good = serializers.IntegerField()
    bad = serializers.IntegerField()
    total = serializers.IntegerField()
    score = serializers.IntegerField(help_text="good answers in percent of all answers")


class SatisfactionView(EnvelopeMixin, APIView):
    """Answered satisfaction surveys of the tickets the caller may see, grouped."""

    permission_classes = (IsAgent,)

    @extend_schema(
        summary="Satisfaction results per agent, team or organization",
        parameters=[OpenApiParameter("group_by", str, enum=list(_GROUPS), default="agent")],
        responses={
            200: inline_serializer(
                "SatisfactionResults",
                {
                    "group_by": serializers.CharField(),
                    "results": SatisfactionResultSerializer(many=True),
                },
            ),
            **errors(400, 403),
        },
    )
    def get(self, request: Request) -> Response:
        group_by = request.query_params.get("group_by", "agent")
        if group_by not in _GROUPS:
            raise exceptions.ValidationError(
                {"group_by": [f"must be one of {', '.join(_GROUPS)}, not {group_by!r}"]}
            )
        rows = results(request.user, group_by)
        return Response(
            {
                "group_by": group_by,
                "results": [
                    {
                        "id": r.key,
                        "name": r.name,
                        "good": r.good,
                        "bad": r.bad,
                        "total": r.total,
                        "score": r.score,
                    }
                    for r in rows
                ],
            }
        )
