"""Shapes of the on-call API (`sladesk.api.views.oncall`): documentation for the OpenAPI
schema; the views validate through the `sladesk.oncall` services, whose messages name the
problem."""

from __future__ import annotations

from rest_framework import serializers

__all__ = [
    "EscalationPolicyInputSerializer",
    "EscalationPolicySerializer",
    "IcalImportInputSerializer",
    "IcalImportSerializer",
    "OverrideInputSerializer",
    "OverrideSerializer",
    "ScheduleInputSerializer",
    "ScheduleSerializer",
]


class WindowSerializer(serializers.Serializer):
    weekdays = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), required=False
    )
    start = serializers.CharField(required=False, help_text="HH:MM, local")
    end = serializers.CharField(
        required=False, help_text="HH:MM, local; at or before start: past midnight"
    )


class RotationInputSerializer(serializers.Serializer):
    participants = serializers.ListField(
        child=serializers.CharField(), help_text="usernames in turn order"
    )
    length = serializers.CharField(help_text="1d, 1w, 12h ...")
    handoff = serializers.CharField(
        help_text="the first hand-off, local wall clock: 2026-03-23T09:00"
    )
    layer = serializers.IntegerField(required=False)
    name = serializers.CharField(required=False)
    restrictions = WindowSerializer(many=True, required=False)


class RotationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    layer = serializers.IntegerField()
    length = serializers.CharField()
    participants = serializers.ListField(child=serializers.CharField())
    handoff = serializers.CharField()
    restrictions = WindowSerializer(many=True)


class ScheduleInputSerializer(serializers.Serializer):
    name = serializers.CharField()
    team = serializers.IntegerField()
    timezone = serializers.CharField(required=False)
    rotations = RotationInputSerializer(many=True)


class ScheduleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    team = serializers.IntegerField()
    timezone = serializers.CharField()
    ical_url = serializers.CharField()
    rotations = RotationSerializer(many=True)


class OverrideInputSerializer(serializers.Serializer):
    user = serializers.CharField()
    start = serializers.CharField(help_text="ISO-8601 with offset")
    end = serializers.CharField(help_text="ISO-8601 with offset")
    replaces = serializers.CharField(required=False, allow_null=True)
    reason = serializers.CharField(required=False)


class OverrideSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.CharField()
    replaces = serializers.CharField(allow_null=True)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    reason = serializers.CharField(allow_blank=True)


class StepSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["user", "schedule", "team", "channel"])
    user = serializers.CharField(required=False, allow_null=True)
    schedule = serializers.IntegerField(required=False, allow_null=True)
    team = serializers.IntegerField(required=False, allow_null=True)
    channel = serializers.CharField(required=False, allow_blank=True)
    wait_minutes = serializers.IntegerField(required=False)
    windows = WindowSerializer(many=True, required=False)
    outside = serializers.BooleanField(required=False)


class EscalationPolicyInputSerializer(serializers.Serializer):
    name = serializers.CharField()
    repeat = serializers.IntegerField(required=False)
    timezone = serializers.CharField(required=False)
    team = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(required=False)
    steps = StepSerializer(many=True)


class EscalationPolicySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    team = serializers.IntegerField(allow_null=True)
    repeat = serializers.IntegerField()
    timezone = serializers.CharField()
    version = serializers.IntegerField()
    steps = StepSerializer(many=True)


class IcalImportInputSerializer(serializers.Serializer):
    ics = serializers.CharField()
    days = serializers.IntegerField(required=False)


class IcalImportSerializer(serializers.Serializer):
    created = serializers.ListField(child=serializers.IntegerField())
    skipped = serializers.ListField(child=serializers.CharField())
