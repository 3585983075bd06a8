"""Every 500 is logged with its traceback and shows a request id; hostile API bodies (deep,
huge, badly encoded) get the API's JSON 400/413, never HTML or 500."""

from __future__ import annotations

import logging

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from sladesk import urls as sladesk_urls
from sladesk.api.views.base import EnvelopeMixin
from sladesk.core.request_id import RequestIdFilter

pytestmark = pytest.mark.django_db


def _boom_page(request: HttpRequest):
    raise RuntimeError("page exploded")


class _BoomApi(EnvelopeMixin, APIView):
    permission_classes = ()

    def get(self, request):
        raise RuntimeError("api exploded")
        return Response()  # pragma: no cover


urlpatterns = [
    path("boom/", _boom_page),
    path("api/boom/", _BoomApi.as_view()),
    path("", include(sladesk_urls)),
]
handler400, handler404, handler500 = sladesk_urls.handler400, sladesk_urls.handler404, sladesk_urls.handler500


@pytest.fixture
def boom(settings, caplog):
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = False
    caplog.handler.addFilter(RequestIdFilter())
    caplog.set_level(logging.ERROR, logger="django.request")
    return Client(raise_request_exception=False)


def test_a_500_page_shows_the_request_id_that_its_logged_traceback_carries(boom, caplog):
    # when a page fails
    response = boom.get("/boom/")
    # then the user sees a reference, the same as the response header
    request_id = response["X-Request-ID"]
    assert response.status_code == 500 and len(request_id) == 32
    assert request_id.encode() in response.content
    # and the error is logged with its traceback and that id
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.levelno == logging.ERROR and record.exc_info is not None
    assert "page exploded" in caplog.text and record.request_id == request_id


def test_an_api_500_is_the_json_envelope_with_the_request_id(boom, caplog):
    # when an API view fails, with an id sent by the proxy
    response = boom.get("/api/boom/", HTTP_X_REQUEST_ID="proxy-req-0001")
    # then the JSON envelope says so and carries the proxy's id, which the log has too
    assert response.status_code == 500 and response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == "server_error" and error["request_id"] == "proxy-req-0001"
    assert "api exploded" not in response.content.decode()
    assert [r.request_id for r in caplog.records if r.name == "django.request"] == ["proxy-req-0001"]


def test_a_bad_request_id_header_is_replaced(boom):
    response = boom.get("/boom/", HTTP_X_REQUEST_ID="<script>")
    assert response["X-Request-ID"] != "<script>" and len(response["X-Request-ID"]) == 32


@pytest.fixture
def api(agent):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(agent)
    return client


def _post(api, body: bytes, content_type: str = "application/json"):
    return api.generic("POST", "/api/v1/tickets/", body, content_type=content_type)


@pytest.mark.parametrize("depth", [33, 990, 100_000])
def test_deeply_nested_json_is_400_naming_the_depth(api, depth):
    # when a body nests arrays far deeper than any input needs
    response = _post(api, b'{"custom_fields": ' + b"[" * depth + b"]" * depth + b"}")
    # then 400 in the envelope, not 500
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert "nested deeper than 32" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"subject": "' + b"a" * 10_000_000 + b'"}', "application/json"),
        (b"subject=" + b"a" * 10_000_000, "application/x-www-form-urlencoded"),
    ],
)
def test_a_10_mb_body_is_413_in_the_envelope(api, body, content_type):
    response = _post(api, body, content_type)
    assert response.status_code == 413 and response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "too_large"


def test_a_json_body_over_the_json_limit_is_413_without_reading_on(api, settings):
    # given a 1 MiB JSON limit under Django's own 2.5 MB limit
    settings.SLADESK_API_MAX_JSON_BYTES = 1024 * 1024
    response = _post(api, b'{"subject": "' + b"a" * (2 * 1024 * 1024) + b'"}')
    assert response.status_code == 413 and "at most 1048576 bytes" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("body", "content_type", "says"),
    [
        (b'{"subject": "\xff\xfe"}', "application/json", "not valid utf-8"),
        (b'{"subject": NaN}', "application/json", "NaN is not valid JSON"),
        (b'{"subject": "x"', "application/json", "JSON parse error"),
        (b"\xff\xfe{}", "application/json; charset=utf-16", "JSON parse error"),
    ],
)
def test_badly_encoded_bodies_are_400_saying_what_is_wrong(api, body, content_type, says):
    response = _post(api, body, content_type)
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert says in response.json()["error"]["message"]
