"""`InputSerializer`: a request-parsing serializer whose fields are copied cheaply per instance.

DRF gives every serializer instance its own fields by deep-copying the class's declared
fields, and a field deep-copies by calling its constructor again with its original
arguments (validators, choices, a list's child field: all rebuilt). For the API's input
serializers, parsed once per request, that rebuilding cost more than validating the
request (py-spy on ``POST /api/v1/tickets/``: ~7 % of the request's CPU; the list's query
parameters ~5 %).

An `InputSerializer` instance instead gets a shallow copy of each declared field: its own
attribute dict (so binding it to this serializer — ``field_name``, ``parent``, ``label``,
``source`` — touches only the copy), sharing with the class's field the values DRF's
validation only reads: the validators list, error messages, choices and the child field of
a ``ListField`` (which stays bound to the class's ``ListField``, so its ``root`` and
``context`` are that field's, not the serializer's; none of the fields used here reads
either while validating, and ``partial`` is never used with these serializers). Do not
mutate those shared values through an instance (``serializer.fields["x"].validators.append``
would change every later instance); replacing an attribute of an instance's field
(``serializer.fields["x"].required = False``) stays local, as with DRF's deep copies.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

__all__ = ["InputSerializer"]


def _shallow(field: Any) -> Any:
    """A new instance of ``type(field)`` with a copy of its attribute dict (no constructor);
    a nested serializer is deep-copied as DRF does (it holds its own bound fields)."""
    if isinstance(field, serializers.BaseSerializer):
        return copy.deepcopy(field)
    clone = object.__new__(type(field))
    clone.__dict__.update(field.__dict__)
    return clone


class InputSerializer(serializers.Serializer):
    """A ``Serializer`` for parsing request data, with shallow-copied fields (see module).

    One answer lists every problem: a field that is required only for some callers (an
    agent must name the organization, a contact must not) is checked by
    `conditional_errors` together with the field errors, not after they are fixed.
    """

    def get_fields(self) -> dict[str, Any]:
        return {name: _shallow(field) for name, field in self._declared_fields.items()}

    def conditional_errors(self, data: Mapping[str, Any]) -> dict[str, list[str]]:
        """Errors of fields required only in this request's context (override)."""
        return {}

    def to_internal_value(self, data: Any) -> Any:
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if not isinstance(data, Mapping) or not isinstance(exc.detail, dict):
                raise
            detail = dict(exc.detail)
            for name, messages in self.conditional_errors(data).items():
                detail.setdefault(name, messages)
            raise serializers.ValidationError(detail) from None
