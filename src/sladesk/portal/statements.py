"""``/portal/statements/``: the organization's monthly SLA statements, for its contacts."""

from __future__ import annotations

from datetime import UTC, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sladesk.core import time as core_time
from sladesk.reports.access import statement_scope
from sladesk.reports.views import statement_response
from sladesk.web.access import contact_required

__all__ = ["statement", "statements"]


@contact_required
def statements(request: HttpRequest) -> HttpResponse:
    """The last twelve months, this one first (so far), each as a page and a PDF."""
    first = core_time.now().astimezone(UTC).date().replace(day=1)
    months = [first]
    for _ in range(11):
        months.append((months[-1] - timedelta(days=1)).replace(day=1))
    return render(request, "portal/statements.html", {"months": months, "nav": "statements"})


@contact_required
def statement(request: HttpRequest, month: str) -> HttpResponse:
    """The statement of the contact's own organization (``?format=pdf``: PDF)."""
    scope = statement_scope(request.user)
    if not scope:
        return HttpResponse("no organization", status=404)
    return statement_response(request, next(iter(scope)), month, scope)
