"""Input serializers of the status page's admin API (`sladesk.api.views.status`)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from sladesk.status.models import ComponentStatus, Impact, IncidentStatus, StatusPage
from sladesk.tickets.models import Ticket

__all__ = [
    "ComponentInput",
    "ComponentPatch",
    "IncidentInput",
    "IncidentPatch",
    "IncidentUpdateInput",
    "LinkTicketInput",
    "MaintenanceInput",
    "PostmortemInput",
    "page_of",
]


class _PageSlugField(serializers.SlugRelatedField):
    """A status page by its slug; a value no slug can be (a NUL byte, which PostgreSQL
    refuses in a query) is the same 400 as an unknown slug, never a database error."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value="(a NUL byte)")
        return super().to_internal_value(data)


def page_of() -> serializers.SlugRelatedField:
    return _PageSlugField(slug_field="slug", queryset=StatusPage.objects.all())


def _no_nul_keys(value: dict[str, Any]) -> None:
    if any("\x00" in str(key) for key in value):
        raise serializers.ValidationError("a component id may not contain a NUL byte")


_COMPONENT_STATUSES = [s for s in ComponentStatus.values if s != ComponentStatus.MAINTENANCE]
_UPDATE_STATUSES = [s for s in IncidentStatus.values if s != IncidentStatus.POSTMORTEM]


def _components() -> serializers.DictField:
    return serializers.DictField(
        child=serializers.ChoiceField(choices=_COMPONENT_STATUSES),
        required=False,
        validators=[_no_nul_keys],
        help_text="component id -> the status the incident holds it at",
    )


class ComponentInput(serializers.Serializer):
    page = page_of()
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    group = serializers.CharField(required=False, allow_null=True, max_length=200, default=None)
    position = serializers.IntegerField(
        required=False, min_value=0, max_value=100000, allow_null=True, default=None
    )
    showcase = serializers.BooleanField(required=False, default=True)


class ComponentPatch(serializers.Serializer):
    status = serializers.ChoiceField(choices=_COMPONENT_STATUSES, required=False)
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    position = serializers.IntegerField(required=False, min_value=0, max_value=100000)
    showcase = serializers.BooleanField(required=False)


class IncidentInput(serializers.Serializer):
    page = page_of()
    name = serializers.CharField(max_length=300)
    body = serializers.CharField(max_length=20000)
    status = serializers.ChoiceField(choices=_UPDATE_STATUSES, default=IncidentStatus.INVESTIGATING)
    impact = serializers.ChoiceField(choices=Impact.values, default=Impact.MINOR)
    components = _components()
    started_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    resolved_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    ticket = serializers.PrimaryKeyRelatedField(
        queryset=Ticket.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="open the incident from this (most urgent) ticket and link it",
    )


class IncidentPatch(serializers.Serializer):
    name = serializers.CharField(max_length=300, required=False)
    impact = serializers.ChoiceField(choices=Impact.values, required=False)
    started_at = serializers.DateTimeField(required=False)
    resolved_at = serializers.DateTimeField(required=False)


class IncidentUpdateInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=_UPDATE_STATUSES)
    body = serializers.CharField(max_length=20000)
    components = _components()


class PostmortemInput(serializers.Serializer):
    body = serializers.CharField(max_length=100000)


class LinkTicketInput(serializers.Serializer):
    ticket = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class MaintenanceInput(serializers.Serializer):
    page = page_of()
    name = serializers.CharField(max_length=300)
    body = serializers.CharField(required=False, allow_blank=True, default="", max_length=20000)
    components = serializers.ListField(
        child=serializers.CharField(max_length=32), min_length=1, max_length=500
    )
    scheduled_for = serializers.DateTimeField(required=False, allow_null=True, default=None)
    scheduled_until = serializers.DateTimeField(required=False, allow_null=True, default=None)
    frequency = serializers.ChoiceField(
        choices=["", "daily", "weekly", "monthly"], required=False, default=""
    )
    at_time = serializers.TimeField(required=False, allow_null=True, default=None)
    duration_minutes = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=7 * 24 * 60, default=None
    )
    time_zone = serializers.CharField(required=False, default="UTC", max_length=64)
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), required=False, default=list
    )
    day_of_month = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=31, default=None
    )
    first_day = serializers.DateField(required=False, allow_null=True, default=None)
    last_day = serializers.DateField(required=False, allow_null=True, default=None)
