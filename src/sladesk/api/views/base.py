"""What every API view shares: authentication, the error envelope and the standard error
responses."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from drf_spectacular.utils import OpenApiResponse
from rest_framework.authentication import BaseAuthentication

from sladesk.api.authentication import AUTHENTICATION_CLASSES
from sladesk.api.errors import exception_handler
from sladesk.api.serializers import ErrorSerializer

__all__ = ["ERRORS", "EnvelopeMixin", "errors"]


class EnvelopeMixin:
    """Use `sladesk.api.errors.exception_handler` whatever ``REST_FRAMEWORK`` says, and the
    API's authentication (`sladesk.api.authentication`: the token's user with its role rows
    in one query)."""

    authentication_classes: Sequence[type[BaseAuthentication]] = AUTHENTICATION_CLASSES

    def get_exception_handler(self) -> Callable[..., Any]:
        return exception_handler


_DESCRIPTIONS = {
    400: "Invalid input (the message and `fields` say what to fix).",
    401: "No or bad credentials.",
    403: "This role may not do this.",
    404: "Not found, or not visible to this user.",
    409: "The ticket's state does not allow this (e.g. closed → pending).",
    429: "Too many requests of this kind for now; `Retry-After` says when to try again.",
}

ERRORS = {
    code: OpenApiResponse(ErrorSerializer, description=text) for code, text in _DESCRIPTIONS.items()
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """The documented error responses ``codes`` (always with 401)."""
    return {code: ERRORS[code] for code in sorted({401, *codes})}
