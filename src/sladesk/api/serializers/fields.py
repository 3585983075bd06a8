"""Small field types shared by the API serializers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

__all__ = ["SecondsField", "ZonedDateTimeField", "check_json_value"]


@extend_schema_field(OpenApiTypes.DATETIME)
class ZonedDateTimeField(serializers.ReadOnlyField):
    """An aware instant written in the zone it carries (an SLA due instant in its policy's
    display zone, e.g. ``2026-11-27T12:30:00-08:00``) instead of being converted to UTC."""

    def to_representation(self, value: datetime | None) -> str | None:
        return None if value is None else value.isoformat()


@extend_schema_field(OpenApiTypes.INT)
class SecondsField(serializers.ReadOnlyField):
    """A ``timedelta`` as whole seconds (negative past due)."""

    def to_representation(self, value: timedelta | None) -> int | None:
        return None if value is None else int(value.total_seconds())


_MAX_DEPTH = 5


def check_json_value(value: Any, depth: int = 0) -> None:
    """Reject JSON that the databases cannot store or that is unreasonably deep.

    PostgreSQL ``jsonb`` refuses ``\\u0000`` in strings; keys and strings are checked
    recursively. Raises ``serializers.ValidationError``.
    """
    if depth > _MAX_DEPTH:
        raise serializers.ValidationError(f"nested deeper than {_MAX_DEPTH} levels")
    if isinstance(value, str):
        if "\x00" in value:
            raise serializers.ValidationError("text may not contain NUL (\\u0000) characters")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_json_value(str(key), depth + 1)
            check_json_value(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            check_json_value(item, depth + 1)
    elif isinstance(value, float) and value != value:  # NaN
        raise serializers.ValidationError("NaN is not a JSON value")
