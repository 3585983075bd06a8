"""Sign-in throttling: per account and per address, on the page and the token endpoint,
429 with Retry-After, the right password refused while locked, shared across processes."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from rest_framework.test import APIClient

from sladesk.signin.models import SignInFailure

pytestmark = pytest.mark.django_db

LIMITS = {"account_limit": 5, "address_limit": 8, "window_seconds": 900, "client_ip_header": ""}


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.SLADESK_SIGNIN = dict(LIMITS)


def _page(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _api(username: str, password: str, ip: str = "10.0.0.1"):
    return APIClient().post("/api/v1/auth/token/", {"username": username, "password": password},
                            format="json", REMOTE_ADDR=ip)  # fmt: skip


def test_the_sign_in_page_locks_an_account_after_five_wrong_passwords(agent, client):
    # given five wrong passwords for alice
    for _ in range(5):
        assert _page(client, "alice", "wrong").status_code == 200
    # when the right password comes next, from another address
    response = _page(client, "alice", "pw", ip="10.9.9.9")
    # then it is refused with 429 and how long to wait, and no session is made
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 900
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session
    # and another account is not affected
    from django.contrib.auth.models import User

    User.objects.create_user("bob", "bob@desk.example", "pw-bob")
    assert _page(Client(), "bob", "pw-bob", ip="10.9.9.9").status_code == 302


def test_the_token_endpoint_locks_with_the_api_error_envelope(agent):
    # given five wrong passwords at the API
    for _ in range(5):
        assert _api("alice", "wrong").status_code == 400
    # when the right one comes
    response = _api("alice", "pw")
    # then 429 in the API's JSON shape, with Retry-After
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "throttled"
    assert int(response["Retry-After"]) > 0
    # and failures at the page and the API count together (one account)
    assert _page(Client(), "ALICE", "pw").status_code == 429


def test_one_address_trying_many_accounts_is_stopped(agent):
    # given eight wrong passwords for eight different (even unknown) names from one address
    for n in range(8):
        assert _api(f"user{n}", "guess", ip="203.0.113.7").status_code == 400
    # then that address is refused, even for a real account with the right password
    assert _api("alice", "pw", ip="203.0.113.7").status_code == 429
    # while the same account from another address still signs in
    assert _api("alice", "pw", ip="198.51.100.1").status_code == 200


def test_the_lock_lifts_when_failures_leave_the_window(agent, frozen_now):
    # given a locked account
    start = frozen_now.set(frozen_now())
    for _ in range(5):
        _api("alice", "wrong")
    assert _api("alice", "pw").status_code == 429
    # when the window has passed since those failures
    frozen_now.set(start + timedelta(seconds=901))
    # then the right password works and clears the account's count
    assert _api("alice", "pw").status_code == 200
    assert not SignInFailure.objects.filter(scope="account", key="alice").exists()


def test_the_client_address_comes_from_the_configured_proxy_header(agent, settings):
    # given a proxy that appends the client's address to X-Forwarded-For
    settings.SLADESK_SIGNIN = {**LIMITS, "client_ip_header": "X-Forwarded-For"}
    for n in range(8):
        APIClient().post(
            "/api/v1/auth/token/",
            {"username": f"u{n}", "password": "x"},
            format="json",
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 192.0.2.9",
        )
    # then the last hop (the proxy's view of the client) is what is counted
    assert SignInFailure.objects.filter(scope="address", key="192.0.2.9").count() == 8


FAIL_FROM_ANOTHER_PROCESS = """
import django, os, sys
django.setup()
from django.test import Client
for _ in range(5):
    Client().post("/accounts/login/", {"username": "alice", "password": "wrong"})
"""


@pytest.mark.django_db(transaction=True)
def test_failures_in_one_process_lock_the_account_in_another(agent, tmp_path: Path, settings):
    # given a separate Python process (as another gunicorn worker) on the same database
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("in-memory SQLite test database is not shared between processes")
    import os

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sladesk.settings.test",
           "DATABASE_URL": _test_database_url(connection)}  # fmt: skip
    # when it records five failures for alice
    subprocess.run(
        [sys.executable, "-c", FAIL_FROM_ANOTHER_PROCESS], env=env, check=True, timeout=120
    )
    # then this process refuses alice's right password
    assert _api("alice", "pw").status_code == 429


def _test_database_url(connection) -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def test_the_admin_sign_in_goes_through_the_one_throttled_page(client):
    # when someone opens the admin's own sign-in page
    response = client.get("/admin/login/?next=/admin/tickets/")
    # then they are sent to /accounts/login/ with where they were going
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Ftickets%2F"


@pytest.mark.parametrize("username", ["ali\x00ce", "\x00", "a" * 1000])
def test_a_hostile_username_is_refused_not_a_server_error(agent, username):
    # when the username holds a NUL byte (PostgreSQL text refuses it) or is huge
    api = APIClient(raise_request_exception=False)
    response = api.post(
        "/api/v1/auth/token/", {"username": username, "password": "x"}, format="json"
    )
    page = Client(raise_request_exception=False).post(
        "/accounts/login/", {"username": username, "password": "x"}
    )
    # then both doors answer with a refusal, never a 500
    assert response.status_code == 400
    assert page.status_code == 200
