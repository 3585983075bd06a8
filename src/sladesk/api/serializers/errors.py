"""The error envelope, for the OpenAPI schema (produced by `sladesk.api.errors`)."""

from __future__ import annotations

from rest_framework import serializers

__all__ = ["ErrorSerializer"]


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="Stable machine word: invalid, not_found, invalid_transition ..."
    )
    message = serializers.CharField(help_text="What went wrong, in words a person can act on.")
    fields = serializers.DictField(
        child=serializers.JSONField(), help_text="400 only: input name -> messages."
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()
