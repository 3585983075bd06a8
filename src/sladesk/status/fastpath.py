"""A WSGI layer that answers the cached public status documents without the Django stack.

The public page and its JSON are read far more often than anything else (widgets poll
``summary.json``; a status page is what everyone opens during an outage). Once a page's
documents are cached (`sladesk.status.cache`), answering one costs a dictionary lookup —
but the full Django request cycle around it (nine middleware, URL resolution, signals)
costs several times that. `PublicStatusApp` wraps the WSGI application
(`sladesk.wsgi`) and, for a ``GET``/``HEAD`` of exactly one of the public documents
(``/status/``, ``/status/<slug>/``, ``…/api/v2/<kind>.json``, ``…/history.atom``, no query
string, an allowed ``Host``), answers from the cache with the same headers Django would
send (the security middleware's, ``ETag``, ``Cache-Control``; ``304`` on a matching
``If-None-Match``). Everything else — an unknown page, any other path or method, an error
while reading the revision — goes to Django unchanged, so Django's 404s, redirects and
connection recovery still apply.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db import close_old_connections
from django.http.request import validate_host

from . import views

__all__ = ["PublicStatusApp"]

_KINDS = "|".join(re.escape(k) for k in views.JSON_KINDS)
_ROUTE = re.compile(
    rf"^/status/(?:(?P<slug>[-a-zA-Z0-9_]+)/)?"
    rf"(?:api/v2/(?P<kind>{_KINDS})\.json|(?P<atom>history\.atom))?$"
)
_RESERVED = {"api", "confirm", "unsubscribe", "heartbeat", "subscribe", "incidents"}


def _security_headers() -> list[tuple[str, str]]:
    """What Django's SecurityMiddleware and XFrameOptionsMiddleware add to a response."""
    headers = []
    if getattr(settings, "SECURE_CONTENT_TYPE_NOSNIFF", True):
        headers.append(("X-Content-Type-Options", "nosniff"))
    referrer = getattr(settings, "SECURE_REFERRER_POLICY", "same-origin")
    if referrer:
        value = referrer if isinstance(referrer, str) else ",".join(referrer)
        headers.append(("Referrer-Policy", value))
    coop = getattr(settings, "SECURE_CROSS_ORIGIN_OPENER_POLICY", "same-origin")
    if coop:
        headers.append(("Cross-Origin-Opener-Policy", coop))
    headers.append(("X-Frame-Options", getattr(settings, "X_FRAME_OPTIONS", "DENY")))
    return headers


class PublicStatusApp:
    """WSGI middleware: the cached public status documents, without Django's request cycle."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app
        self.security = _security_headers()
        self.hosts = list(settings.ALLOWED_HOSTS)
        self.hsts = bool(getattr(settings, "SECURE_HSTS_SECONDS", 0))

    def _route(self, environ: dict[str, Any]) -> tuple[str | None, str] | None:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
            return None
        if self.hsts:  # HSTS depends on the scheme: leave such deployments to Django
            return None
        match = _ROUTE.match(environ.get("PATH_INFO", ""))
        if match is None:
            return None
        slug = match.group("slug")
        if slug in _RESERVED:
            return None
        host = environ.get("HTTP_HOST", "").rsplit(":", 1)[0].lower()
        if not host or not validate_host(host, self.hosts):
            return None
        kind = match.group("kind") or ("atom" if match.group("atom") else "html")
        return slug, kind

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        route = self._route(environ)
        if route is None:
            return self.app(environ, start_response)
        try:
            doc = views.document(*route)
        except Exception:  # e.g. a dropped database connection: Django recovers it
            close_old_connections()
            return self.app(environ, start_response)
        if doc is None:
            return self.app(environ, start_response)
        headers = [
            ("Content-Type", doc.content_type),
            ("ETag", doc.etag),
            ("Cache-Control", views.CACHE_CONTROL),
            *self.security,
        ]
        if route[1] != "html":
            headers.append(("Access-Control-Allow-Origin", "*"))
        if environ.get("HTTP_IF_NONE_MATCH") == doc.etag:
            start_response("304 Not Modified", headers)
            return [b""]
        headers.append(("Content-Length", str(len(doc.body))))
        start_response("200 OK", headers)
        return [b"" if environ["REQUEST_METHOD"] == "HEAD" else doc.body]
