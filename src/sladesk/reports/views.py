"""The statement as a page or PDF, shared by the desk (agents) and the portal (contacts)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from sladesk.accounts.models import Organization

from .statement import build_statement, month_of, render_html, render_pdf

__all__ = ["statement_response"]


def statement_response(
    request: HttpRequest, org_id: int, month: str, scope: set[int] | None
) -> HttpResponse:
    """HTML or (``?format=pdf``) PDF statement of ``org_id`` for ``month`` (YYYY-MM);
    404 outside ``scope`` (None: any)."""
    org = Organization.objects.filter(pk=org_id).first()
    if org is None or (scope is not None and org.pk not in scope):
        raise Http404("no such organization")
    try:
        first = month_of(month)
    except ValueError as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain; charset=utf-8")
    s = build_statement(org, first)
    if request.GET.get("format") == "pdf":
        resp = HttpResponse(render_pdf(s), content_type="application/pdf")
        resp["Content-Disposition"] = f'inline; filename="statement-{org.slug}-{month}.pdf"'
        return resp
    return HttpResponse(render_html(s))
