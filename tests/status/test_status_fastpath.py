"""The WSGI fast path answers the cached public documents exactly as Django would, and
leaves everything else to Django."""

from __future__ import annotations

import io
import sys

import pytest
from django.core.handlers.wsgi import WSGIHandler

from sladesk.status import cache
from sladesk.status.fastpath import PublicStatusApp
from sladesk.status.models import StatusPage
from sladesk.status.services import create_component

pytestmark = pytest.mark.django_db


class Inner:
    """Django's handler, counting the requests that reach it."""

    def __init__(self) -> None:
        self.django = WSGIHandler()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.django(environ, start_response)


def call(app, path, method="GET", query="", host="testserver", **headers):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": host,
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
        **headers,
    }
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(response_headers)

    answer["body"] = b"".join(app(environ, start_response))
    return answer


@pytest.fixture
def app(db):
    cache.forget()
    page = StatusPage.objects.create(slug="acme", name="Acme", is_default=True)
    create_component(page, name="API")
    inner = Inner()
    return PublicStatusApp(inner), inner


@pytest.mark.parametrize(
    "path",
    [
        "/status/",
        "/status/acme/",
        "/status/api/v2/summary.json",
        "/status/acme/api/v2/components.json",
        "/status/acme/history.atom",
    ],
)
def test_cached_documents_skip_django_with_the_same_answer(app, client, path):
    fast, inner = app
    via_django = client.get(path)
    fast_answer = call(fast, path)
    assert inner.calls == 0
    assert fast_answer["status"] == "200 OK" and fast_answer["body"] == via_django.content
    for name in (
        "Content-Type",
        "ETag",
        "Cache-Control",
        "X-Content-Type-Options",
        "X-Frame-Options",
        "Referrer-Policy",
        "Cross-Origin-Opener-Policy",
    ):
        assert fast_answer["headers"].get(name) == via_django.headers.get(name), name
    again = call(fast, path, HTTP_IF_NONE_MATCH=fast_answer["headers"]["ETag"])
    assert again["status"] == "304 Not Modified" and again["body"] == b""


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/status/nope/", {}),  # no such page: Django's 404
        ("/status/", {"query": "x=1"}),  # a query string
        ("/status/", {"method": "POST"}),  # not a read
        ("/status/", {"host": "evil.example"}),  # a host not allowed: Django's 400
        ("/status/heartbeat/", {}),  # a reserved word, not a page
        ("/status/acme/subscribe/", {}),  # not a cached document
        ("/desk/", {}),
    ],
)
def test_everything_else_goes_to_django(app, path, kwargs):
    fast, inner = app
    call(fast, path, **kwargs)
    assert inner.calls == 1
