"""The inputs that change a ticket: create, update, reply, a reason, and the list's filters.

Each is an `InputSerializer` (every field error in one answer); what the caller may do is
checked here against its role and scope, what the ticket may do by the services.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet, Value
from django.db.models.functions import Upper
from rest_framework import serializers

from sladesk.accounts.access import may_see_organization
from sladesk.accounts.models import Contact, Organization, Team
from sladesk.accounts.roles import Role, role_of
from sladesk.core.compiled import CompiledQuery
from sladesk.core.policies import get_policy
from sladesk.sla import PolicyError, UnknownPriorityError
from sladesk.tickets import services
from sladesk.tickets.models import Status, Ticket
from sladesk.tickets.validators import one_line_subject

from .base import InputSerializer
from .fields import check_json_value

__all__ = [
    "ReasonSerializer",
    "ReplySerializer",
    "TicketCreateSerializer",
    "TicketFilterSerializer",
    "TicketUpdateSerializer",
]

#: The largest id a row can have (PostgreSQL bigint): larger is a 400, never a database error.
_BIG = 2**63 - 1


def _json_object(value: Any) -> dict[str, Any]:
    """Custom fields: a JSON object that does not name the escalation (which changes only
    through ``POST /tickets/{id}/escalate/``, `sladesk.tickets.services.check_custom_fields`)."""
    if not isinstance(value, dict):
        raise serializers.ValidationError("must be a JSON object")
    check_json_value(value)
    try:
        services.check_custom_fields(value)
    except services.ServiceError as exc:
        raise serializers.ValidationError(f"{exc}: POST /tickets/{{id}}/escalate/") from None
    return value


def _contact_query(organization_id: int, email: str) -> QuerySet[Contact]:
    """The organization's contact with this email, case-insensitively (as ``iexact``: both
    sides upper-cased), with its organization; the lowest id if several."""
    return (
        Contact.objects.select_related("organization")
        .alias(email_upper=Upper("email"))
        .filter(organization_id=organization_id, email_upper=Upper(Value(email)))
        .order_by("pk")[:1]
    )


#: `_contact_query` compiled once (`sladesk.core.compiled`): every agent's create runs it.
_contact_of = CompiledQuery(_contact_query, int, str)


def _check_priority(policy_name: str, priority: str) -> str:
    try:
        return str(get_policy(policy_name).policy.resolve_priority(priority))
    except UnknownPriorityError as exc:
        raise serializers.ValidationError({"priority": [str(exc)]}) from None


def _files_field() -> serializers.ListField:
    """``files``: uploads of a ``multipart/form-data`` request (repeat the part for several),
    stored with the message by the service, each within its size limit."""
    return serializers.ListField(
        child=serializers.FileField(allow_empty_file=True, use_url=False),
        required=False,
        default=list,
        max_length=20,
        help_text="Files to attach (multipart/form-data only; one `files` part per file, at most "
        "20, each at most 20 MiB: larger is 400).",
    )


def _agent_must_name(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """The errors of an agent's create that leaves out the organization or the requester."""
    errors: dict[str, list[str]] = {}
    if data.get("organization") in (None, ""):
        errors["organization"] = ["an agent must name the organization (its id)"]
    if not data.get("requester"):
        errors["requester"] = ["an agent must name the requester (a contact's email)"]
    return errors


class TicketCreateSerializer(InputSerializer):
    """``POST /tickets/``. A contact's ticket is always for its own organization, requested by
    itself (``organization``/``requester`` are ignored); an agent names both. ``files``
    (multipart) are attached to the description."""

    subject = serializers.CharField(max_length=300, validators=[one_line_subject])
    description = serializers.CharField(
        allow_blank=True, default="", max_length=100_000, trim_whitespace=False
    )
    priority = serializers.CharField(
        required=False,
        allow_null=True,
        max_length=64,
        help_text="A key, name or alias of the organization's policy (default: the policy's "
        "default). The policy's rules apply; Houseware ignores a customer's choice.",
    )
    organization = serializers.IntegerField(required=False, min_value=1, max_value=_BIG)
    requester = serializers.EmailField(
        required=False, help_text="Email of a contact of the organization."
    )
    custom_fields = serializers.JSONField(required=False, default=dict)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list, max_length=50
    )
    files = _files_field()

    def validate_custom_fields(self, value: Any) -> dict[str, Any]:
        return _json_object(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user = self.context["request"].user
        if role_of(user) == Role.CONTACT:
            contact = user.contact
            organization = contact.organization
            attrs["tags"] = []  # tags are the desk's vocabulary, not the customer's
        else:
            errors = _agent_must_name(attrs)
            if not errors and not may_see_organization(user, attrs["organization"]):
                # outside the agent's scope: as if it did not exist
                errors["organization"] = [f"no organization with id {attrs['organization']}"]
            if errors:
                raise serializers.ValidationError(errors)
            # One query when both are right: the contact with its organization.
            found = _contact_of(attrs["organization"], attrs["requester"])
            contact = found[0] if found else None
            organization = contact.organization if contact is not None else None
            if organization is None:
                organization = Organization.objects.filter(pk=attrs["organization"]).first()
            if organization is None:
                raise serializers.ValidationError(
                    {"organization": [f"no organization with id {attrs['organization']}"]}
                )
            if contact is None:
                raise serializers.ValidationError(
                    {
                        "requester": [
                            f"{attrs['requester']} is not a contact of {organization.name}; "
                            "create the contact first"
                        ]
                    }
                )
        try:
            policy = get_policy(organization.policy_name).policy
        except PolicyError as exc:
            raise serializers.ValidationError({"organization": [str(exc)]}) from None
        customer_choice_ignored = (
            role_of(user) == Role.CONTACT and not policy.customer_may_set_priority
        )
        if attrs.get("priority") and not customer_choice_ignored:
            attrs["priority"] = _check_priority(organization.policy_name, attrs["priority"])
        attrs["organization"] = organization
        attrs["requester"] = contact
        return attrs


class TicketUpdateSerializer(InputSerializer):
    """``PATCH /tickets/{id}/``: each given field goes to its service (see `sladesk.api.commands`).

    A priority change needs a ``reason`` (it is logged and sent to the customer).
    """

    subject = serializers.CharField(required=False, max_length=300, validators=[one_line_subject])
    priority = serializers.CharField(required=False, max_length=64)
    reason = serializers.CharField(
        required=False,
        max_length=1000,
        help_text="Why the priority changes (required with priority).",
    )
    status = serializers.ChoiceField(required=False, choices=Status.choices)
    team = serializers.IntegerField(required=False, min_value=1, max_value=_BIG)
    assignee = serializers.IntegerField(
        required=False, min_value=1, max_value=_BIG, help_text="An agent's user id."
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, max_length=50
    )
    custom_fields = serializers.JSONField(
        required=False, help_text="Merged into the ticket's fields; a null value removes the key."
    )

    #: What a contact may change on its own organization's tickets.
    CONTACT_FIELDS = frozenset({"subject", "custom_fields"})

    def validate_custom_fields(self, value: Any) -> dict[str, Any]:
        return _json_object(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError("nothing to change: give at least one field")
        ticket: Ticket = self.context["ticket"]
        errors: dict[str, list[str]] = {}  # every problem in one answer
        if "priority" in attrs:
            if not (attrs.get("reason") or "").strip():
                errors["reason"] = ["a priority change needs a reason"]
            try:
                attrs["priority"] = _check_priority(ticket.policy_name, attrs["priority"])
            except serializers.ValidationError as exc:
                errors.update(exc.detail)  # type: ignore[arg-type]
        if "team" in attrs:
            team = Team.objects.filter(pk=attrs["team"]).first()
            if team is None:
                errors["team"] = [f"no team with id {attrs['team']}"]
            attrs["team"] = team
        if "assignee" in attrs:
            user = get_user_model().objects.filter(pk=attrs["assignee"]).first()
            if user is None or role_of(user) not in (Role.ADMIN, Role.AGENT):
                errors["assignee"] = [f"no agent with id {attrs['assignee']}"]
            attrs["assignee"] = user
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ReplySerializer(InputSerializer):
    """A public reply or an internal note: plain text, optionally HTML (sanitized on save),
    optionally with ``files`` (multipart)."""

    body = serializers.CharField(max_length=100_000, trim_whitespace=False)
    html = serializers.CharField(required=False, allow_blank=True, max_length=200_000)
    files = _files_field()

    def validate_body(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("the body may not be blank")
        return value


class ReasonSerializer(InputSerializer):
    """An optional reason for a status change (logged in the ticket's history)."""

    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class TicketFilterSerializer(InputSerializer):
    """Query parameters of ``GET /tickets/`` (all optional; combined with AND)."""

    status = serializers.ChoiceField(required=False, choices=Status.choices)
    priority = serializers.CharField(
        required=False, max_length=64, help_text="Priority key, e.g. P1 or Sev2."
    )
    organization = serializers.IntegerField(required=False, min_value=1, max_value=_BIG)
    team = serializers.IntegerField(required=False, min_value=1, max_value=_BIG)
    assignee = serializers.IntegerField(required=False, min_value=1, max_value=_BIG)
    tag = serializers.CharField(required=False, max_length=100)
    breaching_before = serializers.DateTimeField(
        required=False,
        help_text="ISO 8601 instant: tickets with a running clock due before it (half-open).",
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        trim_whitespace=True,
        help_text=(
            "Full-text search over subject, messages, requester, organization, tags and ticket"
            ' number: words in any order (all must occur), "quoted phrases", prefix* and #123'
            " (contacts: public messages only). Combines with the other filters; the matches"
            " come in the chosen `ordering`. See docs/ui.md for the syntax."
        ),
    )
    ordering = serializers.ChoiceField(
        required=False,
        default="-id",
        choices=[
            ("-id", "newest first"),
            ("id", "oldest first"),
            ("due", "soonest running due first"),
        ],
    )

    def filters(self) -> dict[str, Any]:
        data = dict(self.validated_data)
        data.pop("ordering", None)
        data.pop("q", None)
        return data
