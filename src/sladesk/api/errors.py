"""The API's error envelope and the exception handler that produces it.

Every error answer (400, 401, 403, 404, 405, 406, 409, 413, 415, 429, 500) has the same JSON shape::

    {"error": {"code": "invalid", "message": "priority: unknown priority 'P9' for policy
     houseware; known: P0, P1, P2, P3", "fields": {"priority": ["unknown priority ..."]}}}

``code`` is a stable machine word, ``message`` a sentence a person can act on, ``fields``
(400 only, possibly empty) maps input names to their messages. Domain exceptions are
translated here, so views never catch them: a ticket that does not exist *or is not
visible* is 404 (``ObjectDoesNotExist``), an illegal life-cycle move is 409
(`InvalidTransition`), an unknown priority/plan/region or a refused service call is 400.
A body too large is 413, one nested too deep or not decodable 400 (`sladesk.api.parsers`).
A 500 (a bug: logged with its traceback) carries only ``request_id``, the reference the
log line has (`sladesk.core.request_id`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from sladesk.sla import PolicyError, SlaError, UnknownPriorityError
from sladesk.tickets.services import InvalidTransition, ServiceError

__all__ = [
    "Conflict",
    "PayloadTooLarge",
    "error_body",
    "exception_handler",
    "not_found",
    "request_refused",
    "server_error",
]


class Conflict(exceptions.APIException):
    """The request is well formed but the resource's state does not allow it (409)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "the resource's current state does not allow this request"
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    """The body is larger than this endpoint accepts (413)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "the request body is too large"
    default_code = "too_large"


_CODES = {
    400: "invalid",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [m for v in detail.values() for m in _flatten(v)]
    if isinstance(detail, list):
        return [m for v in detail for m in _flatten(v)]
    return [str(detail)]


def _fields(detail: Any) -> dict[str, Any]:
    """``{"name": ["message", ...]}`` from a DRF ValidationError detail (nested kept nested)."""
    if not isinstance(detail, dict):
        return {}
    out: dict[str, Any] = {}
    for key, value in detail.items():
        if key == "non_field_errors":
            continue
        if isinstance(value, dict):
            out[key] = _fields(value) or _flatten(value)
        else:
            out[key] = _flatten(value)
    return out


def error_body(status_code: int, detail: Any, code: str | None = None) -> dict[str, Any]:
    """The envelope for a DRF ``detail`` (string, list or field dict)."""
    fields = _fields(detail) if status_code == 400 else {}
    if isinstance(detail, dict):
        parts = []
        for key, value in detail.items():
            text = "; ".join(_flatten(value))
            parts.append(text if key == "non_field_errors" else f"{key}: {text}")
        message = " | ".join(parts) or "invalid input"
    else:
        message = "; ".join(_flatten(detail)) or "error"
    return {
        "error": {
            "code": code or _CODES.get(status_code, "error"),
            "message": message,
            "fields": fields,
        }
    }


def _translate(exc: Exception) -> tuple[Exception, str | None]:
    """Domain and Django exceptions -> (DRF exception with the right status, error code)."""
    if isinstance(exc, Http404 | ObjectDoesNotExist):
        return exceptions.NotFound("not found (it does not exist or you may not see it)"), None
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None), None
    if isinstance(exc, InvalidTransition):
        return Conflict(str(exc)), "invalid_transition"
    if isinstance(exc, UnknownPriorityError):
        return exceptions.ValidationError({"priority": [str(exc)]}), "unknown_priority"
    if isinstance(exc, ServiceError):
        return exceptions.ValidationError({"non_field_errors": [str(exc)]}), "refused"
    if isinstance(exc, SlaError) and not isinstance(exc, PolicyError):
        return exceptions.ValidationError({"non_field_errors": [str(exc)]}), "policy"
    return exc, None


def _code_of(exc: exceptions.APIException, status_code: int) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str) and codes not in ("invalid", "error"):
        return codes
    return _CODES.get(status_code, "error")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF ``EXCEPTION_HANDLER``: DRF's own handling, then the sladesk envelope.

    Unknown exceptions return None (DRF re-raises them: a 500 is a bug, not an answer).
    """
    exc, code = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)
    code = code or _code_of(exc, response.status_code)
    response.data = error_body(response.status_code, exc.detail, code)
    return response


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 for a URL no route matches (``/api/v1/tickets/abc/``, a typo): under
    ``/api/`` the JSON envelope, like every other API error, not Django's HTML page."""
    return JsonResponse(error_body(404, "no API resource at this URL", "not_found"), status=404)


def request_refused(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 for a request refused before the view (``SuspiciousOperation``): a body
    over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is 413, anything else 400, both in the envelope."""
    if isinstance(exception, RequestDataTooBig):
        body = error_body(413, "the request body is larger than this server accepts", "too_large")
        return JsonResponse(body, status=413)
    return JsonResponse(error_body(400, str(exception) or "bad request", "bad_request"), status=400)


def server_error(request_id: str) -> HttpResponse:
    """The 500 envelope: no detail of the failure, the request id that finds it in the log."""
    body = error_body(
        500, f"internal error; it has been logged with reference {request_id}", "server_error"
    )
    body["error"]["request_id"] = request_id
    return JsonResponse(body, status=500)
