"""HTTP endpoints of the notify layer: health, metrics, acknowledging a page.

- ``GET /health/``: JSON snapshot (`sladesk.notify.health`); 200 when ok, 503 degraded.
- ``GET /metrics``: the same numbers in Prometheus text format.
- ``GET /notify/ack/<token>/``: the signed link in a page; shows the page and a button
  (a GET never acknowledges: mail scanners follow links). ``POST`` acknowledges.

Acknowledging through the API (``POST /api/v1/pages/<id>/ack/``) is `sladesk.api.views.pages`.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from .health import metrics_text, snapshot
from .pages import acknowledge_page, page_for_token

__all__ = ["ack_link", "health", "metrics"]


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    snap = snapshot()
    return JsonResponse(snap.as_json(), status=200 if snap.status == "ok" else 503)


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    return HttpResponse(metrics_text(snapshot()), content_type="text/plain; version=0.0.4")


@require_http_methods(["GET", "POST"])
def ack_link(request: HttpRequest, token: str) -> HttpResponse:
    page = page_for_token(token)
    if page is None:
        return render(request, "notify/ack.html", {"invalid": True}, status=404)
    if request.method == "POST":
        user = request.user if request.user.is_authenticated else "acknowledge link"
        page = acknowledge_page(page, user, via="link")
    return render(request, "notify/ack.html", {"page": page})
