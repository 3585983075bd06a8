"""`InputSerializer`: a request-parsing serializer that reports every error at once and
whose fields are copied cheaply per instance.

All errors at once: DRF runs the object-level ``validate()`` only when every field
passed, so a request with a missing ``subject`` and a missing ``organization`` learnt of
the second only after fixing the first. Here ``validate()`` also runs on the fields that
did pass, and what it finds for *other* fields joins the field errors in one 400
(checks it cannot make without a failed field -- a ``KeyError`` on it -- are skipped;
its "nothing given" style non-field errors are dropped when fields already failed).

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

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.fields import SkipField, empty, get_error_detail
from rest_framework.serializers import as_serializer_error

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
    """A ``Serializer`` for parsing request data, with shallow-copied fields (see module)."""

    def get_fields(self) -> dict[str, Any]:
        return {name: _shallow(field) for name, field in self._declared_fields.items()}

    def _parse_fields(self, data: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        """(values of the fields that passed, errors of those that did not)."""
        if not isinstance(data, Mapping):
            message = self.error_messages["invalid"].format(datatype=type(data).__name__)
            raise serializers.ValidationError({"non_field_errors": [message]}, code="invalid")
        values: dict[str, Any] = {}
        errors: dict[str, Any] = {}
        for field in self._writable_fields:
            name = str(field.field_name)
            check = getattr(self, f"validate_{name}", None)
            try:
                value = field.run_validation(field.get_value(data))
                if check is not None:
                    value = check(value)
            except serializers.ValidationError as exc:
                errors[name] = exc.detail
            except DjangoValidationError as exc:
                errors[name] = get_error_detail(exc)
            except SkipField:
                continue
            else:
                self.set_value(values, field.source_attrs, value)
        return values, errors

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        values, errors = self._parse_fields(data)
        if errors:
            raise serializers.ValidationError(errors)
        return values

    def run_validation(self, data: Any = empty) -> Any:
        (is_empty, data) = self.validate_empty_values(data)
        if is_empty:
            return data
        values, errors = self._parse_fields(data)
        if not errors:
            try:
                self.run_validators(values)
                checked = self.validate(values)
            except (serializers.ValidationError, DjangoValidationError) as exc:
                raise serializers.ValidationError(detail=as_serializer_error(exc)) from None
            assert checked is not None, ".validate() should return the validated data"
            return checked
        try:
            self.validate(values)
        except (serializers.ValidationError, DjangoValidationError) as exc:
            more = as_serializer_error(exc)
            for name, messages in more.items():
                if name != "non_field_errors" and name not in errors:
                    errors[name] = messages
        except (KeyError, TypeError, AttributeError):
            pass  # a check that needs a field which failed: that field's error says it
        raise serializers.ValidationError(errors)
