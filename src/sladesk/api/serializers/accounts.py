"""Organizations, contacts, teams and agents (read for desk users, written by admins).

Account rows are not tickets: admins write them through these serializers (plain model
saves); tickets are only ever written through `sladesk.tickets.services`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import serializers

from sladesk.accounts.models import AgentProfile, Contact, Organization, Team
from sladesk.accounts.validation import contract_problems, zone_problem
from sladesk.intake.aliases import alias_conflicts, organization_aliases, set_aliases

__all__ = [
    "AccountTeamMemberSerializer",
    "AgentSerializer",
    "ContactSerializer",
    "OrganizationSerializer",
    "TeamSerializer",
]


def _check_zone(value: str) -> str:
    if problem := zone_problem(value):
        raise serializers.ValidationError(problem)
    return value


class AccountTeamMemberSerializer(serializers.Serializer):
    user = serializers.IntegerField(source="user_id", read_only=True)
    name = serializers.SerializerMethodField()
    role = serializers.CharField(read_only=True)

    def get_name(self, member: Any) -> str:
        return str(member.user.get_full_name() or member.user.get_username())


class _AliasesField(serializers.ListField):
    """An organization's `InboundAddress` rows, read from the prefetched relation."""

    def get_attribute(self, instance: Organization) -> list[str]:
        return organization_aliases(instance)


class OrganizationSerializer(serializers.ModelSerializer):
    """A customer organization and the support contract (policy, plan, region) it runs under."""

    policy = serializers.CharField(
        source="policy_name",
        required=False,
        max_length=100,
        help_text="The policy file's name (e.g. particle-enterprise); default: the desk's default.",
    )
    email_aliases = _AliasesField(
        child=serializers.EmailField(),
        required=False,
        max_length=50,
        help_text="Inbound addresses that route mail to this organization: "
        "the email channel's routes "
        "(the same rows as the admin's Inbound addresses); mail to each is accepted.",
    )
    account_team = AccountTeamMemberSerializer(
        source="accountteammember_set", many=True, read_only=True
    )

    class Meta:
        model = Organization
        fields = (
            "id",
            "name",
            "slug",
            "policy",
            "plan",
            "region",
            "timezone",
            "email_aliases",
            "allow_unknown_senders",
            "account_team",
            "created_at",
        )
        read_only_fields = ("id", "created_at", "account_team")

    def validate_timezone(self, value: str) -> str:
        return _check_zone(value)

    def validate_email_aliases(self, value: list[str]) -> list[str]:
        problems = alias_conflicts(self.instance, value)
        if problems:
            raise serializers.ValidationError(problems)
        return value

    def create(self, validated_data: dict[str, Any]) -> Organization:
        aliases = validated_data.pop("email_aliases", None)
        with transaction.atomic():
            org = super().create(validated_data)
            if aliases is not None:
                set_aliases(org, aliases)
        return Organization.objects.prefetch_related("inbound_addresses").get(pk=org.pk)

    def update(self, instance: Organization, validated_data: dict[str, Any]) -> Organization:
        aliases = validated_data.pop("email_aliases", None)
        with transaction.atomic():
            org = super().update(instance, validated_data)
            if aliases is not None:
                set_aliases(org, aliases)
        return Organization.objects.prefetch_related("inbound_addresses").get(pk=org.pk)

    def to_internal_value(self, data: Any) -> Any:
        """Field errors and contract errors in one answer (not the contract's only once the
        fields are right)."""
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(exc.detail, dict) or not hasattr(data, "get"):
                raise
            detail = dict(exc.detail)
            instance = self.instance
            name = data.get("policy", getattr(instance, "policy_name", None))
            if isinstance(name, str):
                problems = contract_problems(
                    name,
                    str(data.get("plan", getattr(instance, "plan", "")) or ""),
                    str(data.get("region", getattr(instance, "region", "")) or ""),
                )
                for field, message in problems.items():
                    detail.setdefault("policy" if field == "policy_name" else field, [message])
            raise serializers.ValidationError(detail) from None

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        instance = self.instance
        name = attrs.get("policy_name", getattr(instance, "policy_name", None))
        if name is None:
            return attrs
        problems = contract_problems(
            name,
            attrs.get("plan", getattr(instance, "plan", "")),
            attrs.get("region", getattr(instance, "region", "")),
        )
        if problems:
            shown = {"policy_name": "policy"}
            raise serializers.ValidationError(
                {shown.get(field, field): [message] for field, message in problems.items()}
            )
        return attrs


class ContactSerializer(serializers.ModelSerializer):
    """A person at a customer organization (``has_login``: can use the portal and the API)."""

    has_login = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = ("id", "organization", "email", "name", "timezone", "has_login", "created_at")
        read_only_fields = ("id", "created_at", "has_login")

    def get_has_login(self, contact: Contact) -> bool:
        return contact.user_id is not None

    def validate_timezone(self, value: str) -> str:
        return _check_zone(value)

    def validate_email(self, value: str) -> str:
        return value.strip().lower()


class TeamSerializer(serializers.ModelSerializer):
    """A group of agents tickets are dispatched to (paging secrets are not exposed)."""

    agents = serializers.SerializerMethodField()

    class Meta:
        model = Team
        fields = ("id", "name", "slug", "description", "agents")
        read_only_fields = ("id", "agents")

    def get_agents(self, team: Team) -> list[int]:
        """User ids of the team's agents (prefetched)."""
        return [profile.user_id for profile in team.agents.all()]


class AgentSerializer(serializers.Serializer):
    """A staff user who works tickets; ``id`` is the *user* id (what ``assignee`` holds)."""

    id = serializers.IntegerField(source="user_id", read_only=True)
    username = serializers.RegexField(r"^[\w.@+-]+\Z", source="user.username", max_length=150)
    email = serializers.EmailField(source="user.email", required=False, allow_blank=True)
    first_name = serializers.CharField(
        source="user.first_name", required=False, allow_blank=True, max_length=150
    )
    last_name = serializers.CharField(
        source="user.last_name", required=False, allow_blank=True, max_length=150
    )
    is_admin = serializers.BooleanField(source="user.is_superuser", read_only=True)
    timezone = serializers.CharField(required=False, max_length=64, default="UTC")
    teams = serializers.PrimaryKeyRelatedField(
        many=True, queryset=Team.objects.all(), required=False
    )
    password = serializers.CharField(
        write_only=True, required=False, max_length=128, style={"input_type": "password"}
    )
    scope_teams = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Team.objects.all(),
        required=False,
        help_text="Team ids: the agent sees only tickets dispatched to these teams (empty: "
        "no team limit). Admins only may change it; admins themselves always see everything.",
    )
    scope_organizations = serializers.PrimaryKeyRelatedField(
        many=True,
        queryset=Organization.objects.all(),
        required=False,
        help_text="Organization ids: the agent sees only these organizations' tickets, "
        "contacts and mail (empty: no organization limit).",
    )

    def validate_timezone(self, value: str) -> str:
        return _check_zone(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        user_attrs = attrs.get("user", {})
        username = user_attrs.get("username")
        User = get_user_model()
        if username is not None:
            clash = User.objects.filter(username=username)
            if self.instance is not None:
                clash = clash.exclude(pk=self.instance.user_id)
            if clash.exists():
                raise serializers.ValidationError(
                    {"username": [f"the username {username!r} is taken"]}
                )
        if attrs.get("password"):
            try:
                validate_password(attrs["password"])
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from None
        return attrs

    @transaction.atomic
    def create(self, validated: dict[str, Any]) -> AgentProfile:
        user_attrs = validated.pop("user", {})
        password = validated.pop("password", None)
        teams = validated.pop("teams", [])
        user = get_user_model().objects.create_user(password=password, **user_attrs)
        profile = AgentProfile.objects.create(user=user, timezone=validated.get("timezone", "UTC"))
        profile.teams.set(teams)
        profile.scope_teams.set(validated.get("scope_teams", []))
        profile.scope_organizations.set(validated.get("scope_organizations", []))
        return profile

    @transaction.atomic
    def update(self, profile: AgentProfile, validated: dict[str, Any]) -> AgentProfile:
        user = profile.user
        for key, value in validated.pop("user", {}).items():
            setattr(user, key, value)
        if validated.get("password"):
            user.set_password(validated.pop("password"))
        user.save()
        if "timezone" in validated:
            profile.timezone = validated["timezone"]
            profile.save(update_fields=["timezone"])
        if "teams" in validated:
            profile.teams.set(validated["teams"])
        for axis in ("scope_teams", "scope_organizations"):
            if axis in validated:
                getattr(profile, axis).set(validated[axis])
        return profile
