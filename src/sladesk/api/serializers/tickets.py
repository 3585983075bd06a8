"""Ticket shapes: the ticket with its SLA clocks and messages (the inputs that change it are
in `sladesk.api.serializers.ticket_inputs`).

Output serializers read batch-loaded rows only (see `sladesk.tickets.selectors`): the
ticket's foreign keys are ``select_related`` and its tags, clocks and messages prefetched,
so serializing a page costs no queries.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sladesk.core import time as core_time
from sladesk.tickets import selectors
from sladesk.tickets.models import ClockState, Message, Metric, Ticket

from .fields import SecondsField, ZonedDateTimeField

__all__ = [
    "ClockSerializer",
    "MessageSerializer",
    "TicketDetailSerializer",
    "TicketSerializer",
]

_BIG = 2**63 - 1


# ------------------------------------------------------------------------------ output
class ClockSerializer(serializers.Serializer):
    """One SLA clock as of the request's instant (`sladesk.tickets.clocks.ClockStatus`)."""

    metric = serializers.ChoiceField(choices=Metric.choices, read_only=True)
    state = serializers.ChoiceField(choices=ClockState.choices, read_only=True)
    due_at = ZonedDateTimeField(
        allow_null=True,
        help_text="Due instant in the policy's display zone; null when stopped or paused.",
    )
    warn_at = ZonedDateTimeField(allow_null=True)
    remaining_seconds = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="Working time left (negative past due); null when stopped.",
    )
    used_seconds = SecondsField(source="used", help_text="Working time used so far.")
    target_seconds = SecondsField(source="target_work", help_text="The target, in working time.")
    calendar = serializers.CharField(source="calendar_name", read_only=True)
    met_at = ZonedDateTimeField(allow_null=True)
    breached_at = ZonedDateTimeField(allow_null=True)
    cycle = serializers.IntegerField(read_only=True)
    explanation = serializers.CharField(read_only=True)


class TicketSerializer(serializers.ModelSerializer):
    """A ticket with its live SLA clocks (no messages: see `TicketDetailSerializer`)."""

    number = serializers.IntegerField(
        source="pk", read_only=True, help_text="The #number customers see."
    )
    requester = serializers.EmailField(source="requester.email", read_only=True)
    requester_id = serializers.IntegerField(read_only=True)
    policy = serializers.CharField(
        source="policy_name", read_only=True, help_text="Policy file name."
    )
    policy_version = serializers.CharField(source="policy_version.digest", read_only=True)
    tags = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")
    sla = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = (
            "id",
            "number",
            "subject",
            "status",
            "priority",
            "organization",
            "requester",
            "requester_id",
            "team",
            "assignee",
            "tags",
            "channel",
            "custom_fields",
            "escalation_level",
            "escalation_role",
            "policy",
            "policy_version",
            "plan",
            "region",
            "follow_up_of",
            "created_at",
            "updated_at",
            "solved_at",
            "closed_at",
            "sla",
        )
        read_only_fields = fields

    @extend_schema_field(ClockSerializer(many=True))
    def get_sla(self, ticket: Ticket) -> list[dict[str, Any]]:
        now = self.context.get("now") or core_time.now()
        return ClockSerializer(selectors.clock_statuses(ticket, now), many=True).data  # type: ignore[return-value]


class AttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    filename = serializers.CharField(read_only=True)
    content_type = serializers.CharField(read_only=True)
    size = serializers.IntegerField(read_only=True)


class MailAuthenticationSerializer(serializers.Serializer):
    """How the sender of a mail was authenticated (docs/email.md, *Authentication*)."""

    spf = serializers.CharField(
        read_only=True, help_text="pass, fail, softfail, neutral, none, temperror, permerror"
    )
    dkim = serializers.CharField(read_only=True, help_text="pass, fail, none, temperror, permerror")
    dmarc = serializers.CharField(read_only=True, help_text="pass, fail, none, temperror")
    arc = serializers.CharField(
        read_only=True, help_text="pass, fail, none (recorded, not trusted)"
    )
    verdict = serializers.ChoiceField(choices=["pass", "fail", "none"], read_only=True)
    source = serializers.CharField(
        read_only=True, help_text='"verified here" or "trusted header from <authserv-id>"'
    )
    identity = serializers.CharField(
        read_only=True, help_text="the verified sender domain (blank unless pass)"
    )
    reason = serializers.CharField(read_only=True)
    verified = serializers.BooleanField(
        read_only=True, help_text="verdict pass, or confirmed by an agent"
    )
    confirmed_by = serializers.CharField(read_only=True, allow_null=True)
    confirmed_at = serializers.DateTimeField(read_only=True, allow_null=True)


class MessageSerializer(serializers.ModelSerializer):
    """A public reply or (agents only) an internal note."""

    author = serializers.SerializerMethodField(
        help_text="Username of staff, or the contact's email."
    )
    internal = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)
    authentication = MailAuthenticationSerializer(
        read_only=True,
        allow_null=True,
        default=None,
        help_text=(
            "How the mail's sender was authenticated; "
            "null for a message that did not arrive by mail."
        ),
    )

    class Meta:
        model = Message
        fields = (
            "id",
            "ticket",
            "public",
            "internal",
            "from_customer",
            "author",
            "author_user",
            "author_contact",
            "body_text",
            "body_html",
            "channel",
            "created_at",
            "attachments",
            "authentication",
        )
        read_only_fields = fields

    def get_author(self, message: Message) -> str:
        if message.author_contact is not None:
            return message.author_contact.email
        if message.author_user is not None:
            return message.author_user.get_username()
        return "system"

    def get_internal(self, message: Message) -> bool:
        return not message.public


class TicketDetailSerializer(TicketSerializer):
    """A ticket with its clocks and the messages the caller may read (no internal notes for
    contacts)."""

    messages = MessageSerializer(many=True, read_only=True)

    class Meta(TicketSerializer.Meta):
        fields = (*TicketSerializer.Meta.fields, "messages")
        read_only_fields = fields
