"""Shapes of merge, split, links and escalation (`sladesk.api.views.relations`)."""

from __future__ import annotations

from rest_framework import serializers

__all__ = [
    "EscalateSerializer",
    "LinkSerializer",
    "MergeSerializer",
    "RelatedTicketSerializer",
    "SplitSerializer",
]

_BIG = 2**63 - 1

RELATIONS = (
    ("related", "related (symmetric)"),
    ("merged into", "this ticket was merged into it"),
    ("merged from", "it was merged into this ticket"),
    ("split from", "this ticket was split off it"),
    ("split off", "it was split off this ticket"),
    ("follow-up of", "this ticket is its follow-up"),
    ("follow-up", "it is a follow-up of this ticket"),
)


class MergeSerializer(serializers.Serializer):
    """``POST /tickets/{id}/merge/``: merge this ticket into ``into`` (same organization)."""

    into = serializers.IntegerField(
        min_value=1, max_value=_BIG, help_text="The ticket to merge into."
    )
    notify_requester = serializers.BooleanField(
        default=False,
        help_text="Tell this ticket's requester with a public note (mailed for email tickets).",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=2000,
        help_text="Added to both tickets' notes.",
    )


class SplitSerializer(serializers.Serializer):
    """``POST /tickets/{id}/split/``: move these messages of the ticket to a new ticket."""

    messages = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=_BIG),
        min_length=1,
        max_length=500,
        help_text="Ids of messages of this ticket (not all of them).",
    )
    subject = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    priority = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=64,
        help_text="Default: the original's priority.",
    )


class LinkSerializer(serializers.Serializer):
    """``POST /tickets/{id}/links/``: relate another ticket (symmetric)."""

    ticket = serializers.IntegerField(min_value=1, max_value=_BIG)


class RelatedTicketSerializer(serializers.Serializer):
    """A ticket related to the one asked about, and how."""

    ticket = serializers.IntegerField(read_only=True)
    relation = serializers.ChoiceField(choices=RELATIONS, read_only=True)
    subject = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True)
    organization = serializers.IntegerField(read_only=True)


class EscalateSerializer(serializers.Serializer):
    """``POST /tickets/{id}/escalate/``: one rung up the policy's escalation ladder."""

    reason = serializers.CharField(max_length=1000, help_text="Why (logged and shown to agents).")

    def validate_reason(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("the reason may not be blank")
        return value
