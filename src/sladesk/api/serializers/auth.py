"""``POST /api/v1/auth/token/``: username and password in, an API token out."""

from __future__ import annotations

from rest_framework import serializers

__all__ = ["CredentialsSerializer", "TokenSerializer"]


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        read_only=True, help_text="Send as `Authorization: Token <token>`."
    )
