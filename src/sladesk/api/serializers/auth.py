"""``/api/v1/auth/``: credentials in, a named token out; the caller's tokens listed."""

from __future__ import annotations

from rest_framework import serializers

from sladesk.signin.models import ApiToken

__all__ = ["ApiTokenSerializer", "CredentialsSerializer", "NewTokenSerializer", "TokenSerializer"]


class NewTokenSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=100, required=False, default="api",
        help_text="What the token is for (shown in the token list).",
    )  # fmt: skip
    expires_in_days = serializers.IntegerField(
        min_value=1, max_value=3650, required=False, allow_null=True, default=None,
        help_text="Days until the token stops working; omitted = until revoked.",
    )  # fmt: skip


class CredentialsSerializer(NewTokenSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )
    otp_code = serializers.CharField(
        max_length=12, required=False, default="",
        help_text="The 6-digit code of the authenticator app, for accounts with two-factor on.",
    )  # fmt: skip


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class TokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(
        read_only=True,
        help_text="Send as `Authorization: Bearer <token>` (or `Token <token>`). Shown once.",
    )

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields
