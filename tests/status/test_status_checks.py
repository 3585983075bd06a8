"""Built-in checks against real loopback servers: thresholds, TCP, heartbeats."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest

from sladesk.status import cache
from sladesk.status.models import Check, StatusSpan
from sladesk.status.services import run_checks
from support.clock import T
from support.receivers import HttpReply

pytestmark = pytest.mark.django_db


def _status(component):
    component.refresh_from_db()
    return component.status


def _tick(status, seconds=60):
    status.clock.set(status.clock.at + timedelta(seconds=seconds))
    return run_checks()


def test_a_check_that_fails_once_does_not_change_the_page(client, status, http_receiver):
    # given an HTTP check of the API (3 failures to go down), whose server fails once
    server = http_receiver(
        HttpReply(200, "ok: all good"),
        HttpReply(500, "oops"),
        default=HttpReply(200, "ok: all good"),
    )
    Check.objects.create(
        component=status.api,
        kind="http",
        target=server.url("/health"),
        body_contains="all good",
        every_seconds=60,
    )
    status.clock.set(T("2026-06-01T10:00:00+00:00"))
    # when it is probed five times, the second probe failing
    for _ in range(5):
        _tick(status)
    # then the server was really asked five times and the page never changed
    assert len(server.requests) == 5
    assert _status(status.api) == "operational"
    assert not StatusSpan.objects.filter(component=status.api).exists()
    cache.forget()
    assert client.get("/status/api/v2/status.json").json()["status"]["indicator"] == "none"


def test_three_failures_in_a_row_take_the_component_down_from_the_first(status, http_receiver):
    server = http_receiver(default=HttpReply(200, "maintenance page"))  # body does not match
    check = Check.objects.create(
        component=status.api,
        kind="http",
        target=server.url("/"),
        body_contains="all good",
        every_seconds=60,
    )
    status.clock.set(T("2026-06-01T10:00:00+00:00"))
    first = _tick(status) and status.clock.at
    _tick(status)
    assert _status(status.api) == "operational"
    _tick(status)
    # the third failure: major outage, counted from the first failure
    assert _status(status.api) == "major_outage"
    span = StatusSpan.objects.get(component=status.api)
    assert span.started_at == first and span.source == "check"
    check.refresh_from_db()
    assert check.last_error == "the body does not contain the expected text"
    # two successes bring it back
    server.default = HttpReply(200, "all good")
    _tick(status)
    assert _status(status.api) == "major_outage"
    _tick(status)
    assert _status(status.api) == "operational"


def test_a_check_is_not_probed_before_its_interval(status, http_receiver):
    server = http_receiver(default=HttpReply(200, "ok"))
    Check.objects.create(
        component=status.api, kind="http", target=server.url("/"), every_seconds=300
    )
    status.clock.set(T("2026-06-01T10:00:00+00:00"))
    assert run_checks() == 1
    assert _tick(status, 60) == 0
    assert _tick(status, 240) == 1


def test_tcp_checks_connect(status):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    Check.objects.create(
        component=status.api,
        kind="tcp",
        target=f"127.0.0.1:{port}",
        failures_to_down=1,
        timeout_seconds=2,
    )
    status.clock.set(T("2026-06-01T10:00:00+00:00"))
    run_checks()
    assert _status(status.api) == "operational"
    listener.close()
    _tick(status)
    assert _status(status.api) == "major_outage"


def test_a_heartbeat_that_stops_changes_the_page(client, status):
    # given a heartbeat check expecting a call every 5 minutes (down after 2 missed)
    check = Check.objects.create(
        component=status.dashboard,
        kind="heartbeat",
        every_seconds=300,
        failures_to_down=2,
        successes_to_up=1,
        down_status="partial_outage",
    )
    status.clock.set(T("2026-06-01T10:00:00+00:00"))
    url = f"/status/heartbeat/{check.token}/"
    # when the service beats every 4 minutes for a while
    for _ in range(3):
        assert client.post(url).status_code == 200
        _tick(status, 240)
    assert _status(status.dashboard) == "operational"
    # when it stops: 5 min later one failure, 10 min later the second
    _tick(status, 300)
    _tick(status, 300)
    # then the page shows the dashboard in partial outage
    assert _status(status.dashboard) == "partial_outage"
    cache.forget()
    assert b"Partial outage" in client.get("/status/").content
    # and one beat brings it back
    assert client.get(url).status_code == 200
    assert _status(status.dashboard) == "operational"


def test_an_unknown_heartbeat_is_404(client, status):
    assert client.post("/status/heartbeat/not-a-token/").status_code == 404
