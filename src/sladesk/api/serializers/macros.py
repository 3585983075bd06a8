"""Macros: a canned public reply with placeholders plus field changes (`sladesk.macros`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework.fields import empty

from sladesk.accounts.models import Team
from sladesk.macros.access import may_manage
from sladesk.macros.models import Macro
from sladesk.macros.validation import CHANGES, macro_problems
from sladesk.tickets.models import Status

__all__ = ["ApplyMacroSerializer", "MacroPlanSerializer", "MacroSerializer"]


class _TagsField(serializers.ListField):
    """The macro's comma-separated ``tags`` as a list of tag names."""

    child = serializers.CharField(max_length=100)

    def get_attribute(self, instance: Macro) -> list[str]:
        return instance.tag_list

    def to_internal_value(self, data: Any) -> str:  # type: ignore[override]
        names = [n.strip() for n in super().to_internal_value(data) if n.strip()]
        if any("," in n for n in names):
            raise serializers.ValidationError("a tag name has no comma")
        joined = ", ".join(dict.fromkeys(names))
        if len(joined) > 500:
            raise serializers.ValidationError("at most 500 characters of tags in all")
        return joined


class MacroSerializer(serializers.ModelSerializer):
    """A macro as the caller may use it; ``shared`` (everyone's, admins manage it) or
    personal (``owner``, the caller). ``may_edit``: whether the caller may change it."""

    shared = serializers.BooleanField(
        required=False,
        default=False,
        help_text="shared with every agent (only admins create, edit and delete shared macros)",
    )
    owner = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True)
    tags = _TagsField(required=False, help_text="tags the macro adds")
    status = serializers.ChoiceField(
        choices=[("", "no change"), *Status.choices], required=False, allow_blank=True
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(), required=False, allow_null=True
    )
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=get_user_model().objects.filter(agent_profile__isnull=False),
        required=False,
        allow_null=True,
        help_text="an agent's user id",
    )
    may_edit = serializers.SerializerMethodField()

    class Meta:
        model = Macro
        fields = [
            "id",
            "name",
            "shared",
            "owner",
            "body",
            "tags",
            "team",
            "assignee",
            "assign_to_me",
            "priority",
            "priority_reason",
            "status",
            "may_edit",
        ]
        extra_kwargs = {
            "body": {"help_text": "the public reply; placeholders such as {{ requester.name }}"},
            "priority": {"help_text": "a priority key of the ticket's policy, e.g. P2"},
        }

    def get_may_edit(self, macro: Macro) -> bool:
        return may_manage(self.context["request"].user, macro)

    def _stored(self) -> dict[str, Any]:
        if self.instance is None:
            return {}
        return {f: getattr(self.instance, f) for f in (*CHANGES, "priority_reason")}

    def run_validation(self, data: Any = empty) -> Any:
        """Every problem at once (docs/api.md, *Errors*): when a field fails its own
        check, the macro checks still run on the fields that passed."""
        try:
            return super().run_validation(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict) or not isinstance(data, Mapping):
                raise
            errors: dict[str, Any] = dict(exc.detail)
            passed = {k: v for k, v in data.items() if k not in errors}
            for field, text in macro_problems(self._stored() | passed).items():
                if field and field not in errors:
                    errors[field] = [text]
            raise serializers.ValidationError(errors) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        problems = macro_problems(self._stored() | attrs)
        if problems:
            raise serializers.ValidationError(
                {field or "non_field_errors": [text] for field, text in problems.items()}
            )
        return attrs

    def to_representation(self, macro: Macro) -> dict[str, Any]:
        data = super().to_representation(macro)
        data["shared"] = macro.shared
        return data


class ApplyMacroSerializer(serializers.Serializer):
    """Which macro to apply (one the caller may use)."""

    macro = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class MacroPlanSerializer(serializers.Serializer):
    """What applying a macro to a ticket does (or did): the rendered reply and the changes."""

    macro = serializers.IntegerField()
    ticket = serializers.IntegerField()
    reply = serializers.CharField(help_text="the public reply as sent (placeholders filled in)")
    changes = serializers.ListField(child=serializers.CharField())
