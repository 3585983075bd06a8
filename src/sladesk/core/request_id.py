"""A request id for every request: in the ``X-Request-ID`` header, in every log line of
the request, and on the error page and the API's error, so a user's "reference" finds
the traceback in the logs.

`RequestIdMiddleware` takes the id a trusted proxy sent (``X-Request-ID``, 8-64 letters,
digits, ``-`` or ``_``; anything else is replaced) or makes one (32 hex digits), keeps it
in a context variable for the duration of the request and returns it in the response
header. `RequestIdFilter` puts it on log records as ``request_id`` ("-" outside a request).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

__all__ = ["HEADER", "RequestIdFilter", "RequestIdMiddleware", "current_request_id"]

HEADER = "X-Request-ID"
_VALID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_current: ContextVar[str] = ContextVar("sladesk_request_id", default="-")


def current_request_id() -> str:
    """The id of the request being served by this thread/task, or "-"."""
    return _current.get()


class RequestIdMiddleware:
    """Assigns the request id (see module); put it first in ``MIDDLEWARE``."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if _VALID.fullmatch(offered) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    """Adds ``record.request_id`` (used by the log format in `sladesk.settings.base`)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True
