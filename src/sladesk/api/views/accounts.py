"""Organizations, contacts, teams and agents: list/retrieve for desk users, create/update
for admins.

Row visibility is `sladesk.accounts.access`: admins see every row, an agent the
organizations of its scope and their contacts, a contact its own organization and its
contacts (anything else is 404); contacts may not read teams or agents (403).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.request import Request

from sladesk.accounts.access import visible_contacts, visible_organizations
from sladesk.accounts.models import AccountTeamMember, AgentProfile, Contact, Organization, Team
from sladesk.api.pagination import KeysetPagination
from sladesk.api.permissions import ReadAgentWriteAdmin, ReadDeskUserWriteAdmin
from sladesk.api.serializers import (
    AgentSerializer,
    ContactSerializer,
    OrganizationSerializer,
    TeamSerializer,
)

from .base import EnvelopeMixin, errors

__all__ = [
    "AgentViewSet",
    "ContactViewSet",
    "OrganizationViewSet",
    "TeamViewSet",
]


class _Filters(serializers.Serializer):
    organization = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    email = serializers.EmailField(required=False)


class _AccountViewSet(
    EnvelopeMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """list / retrieve / create / PATCH (PUT is not offered)."""

    http_method_names = ("get", "post", "patch", "head", "options")
    pagination_class = KeysetPagination
    lookup_value_regex = "[0-9]{1,18}"

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        page = self.paginator.paginate(self.get_queryset(), request)
        return self.paginator.get_paginated_response(self.get_serializer(page, many=True).data)


def _article(noun: str) -> str:
    """``an`` before a vowel sound as written (agent, organization), else ``a``."""
    return "an" if noun[:1].lower() in "aeiou" else "a"


def _crud_schema(
    name: str, serializer: type[serializers.Serializer], list_params: list[Any] | None = None
) -> dict[str, Any]:
    pk = OpenApiParameter("id", int, OpenApiParameter.PATH)
    return {
        "list": extend_schema(
            summary=f"List {name}s",
            parameters=list_params or [],
            responses={200: serializer(many=True), **errors(400, 403)},
        ),
        "retrieve": extend_schema(
            summary=f"One {name}", parameters=[pk], responses={200: serializer, **errors(403, 404)}
        ),
        "create": extend_schema(
            summary=f"Create {_article(name)} {name} (admins)",
            responses={201: serializer, **errors(400, 403)},
        ),
        "partial_update": extend_schema(
            summary=f"Change {_article(name)} {name} (admins)",
            parameters=[pk],
            responses={200: serializer, **errors(400, 403, 404)},
        ),
    }


@extend_schema_view(**_crud_schema("organization", OrganizationSerializer))
class OrganizationViewSet(_AccountViewSet):
    serializer_class = OrganizationSerializer
    permission_classes = (ReadDeskUserWriteAdmin,)
    queryset = Organization.objects.none()

    def get_queryset(self) -> QuerySet[Organization]:
        members = AccountTeamMember.objects.select_related("user").order_by("id")
        return visible_organizations(self.request.user).prefetch_related(
            Prefetch("accountteammember_set", queryset=members), "inbound_addresses"
        )


@extend_schema_view(
    **_crud_schema(
        "contact",
        ContactSerializer,
        [
            OpenApiParameter("organization", int, description="Only this organization's contacts."),
            OpenApiParameter("email", str, description="Only the contact(s) with this email."),
        ],
    )
)
class ContactViewSet(_AccountViewSet):
    serializer_class = ContactSerializer
    permission_classes = (ReadDeskUserWriteAdmin,)
    queryset = Contact.objects.none()

    def get_queryset(self) -> QuerySet[Contact]:
        qs = visible_contacts(self.request.user)
        if self.action == "list":
            params = _Filters(data=self.request.query_params)
            params.is_valid(raise_exception=True)
            if "organization" in params.validated_data:
                qs = qs.filter(organization_id=params.validated_data["organization"])
            if "email" in params.validated_data:
                qs = qs.filter(email__iexact=params.validated_data["email"])
        return qs


@extend_schema_view(**_crud_schema("team", TeamSerializer))
class TeamViewSet(_AccountViewSet):
    serializer_class = TeamSerializer
    permission_classes = (ReadAgentWriteAdmin,)
    queryset = Team.objects.none()

    def get_queryset(self) -> QuerySet[Team]:
        return Team.objects.prefetch_related("agents")


@extend_schema_view(**_crud_schema("agent", AgentSerializer))
class AgentViewSet(_AccountViewSet):
    serializer_class = AgentSerializer
    permission_classes = (ReadAgentWriteAdmin,)
    queryset = AgentProfile.objects.none()
    lookup_field = "user_id"
    lookup_url_kwarg = "pk"

    def get_queryset(self) -> QuerySet[AgentProfile]:
        return AgentProfile.objects.select_related("user").prefetch_related(
            "teams", "scope_teams", "scope_organizations"
        )
