"""Pages that say what is wrong instead of "Server Error (500)" when stored settings are bad.

A value saved before validation existed (or edited in the database) can name a policy file
that is not loaded, or a plan or region that policy lacks; the SLA core then raises a
`SlaError` while a page is built. `MisconfigurationMiddleware` answers such a page with
503 and the problem in words: agents and admins read the exact error and where to fix it,
customers a plain sentence. The API keeps its own JSON errors (`sladesk.api.errors`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sladesk.accounts.roles import Role, role_of
from sladesk.sla import SlaError

__all__ = ["MisconfigurationMiddleware"]

log = logging.getLogger(__name__)


class MisconfigurationMiddleware:
    """Turn a `SlaError` escaping a desk or portal view into a 503 page naming the problem."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, SlaError) or request.path.startswith("/api/"):
            return None
        log.warning("misconfiguration on %s: %s", request.path, exception)
        staff = role_of(request.user) in (Role.AGENT, Role.ADMIN)
        context = {"problem": str(exception) if staff else None, "staff": staff}
        return render(request, "web/misconfigured.html", context, status=503)
