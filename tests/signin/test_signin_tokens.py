"""Named API tokens: several per user, Bearer or Token, revocable, expiring, revoked by a
password change, stored only as a digest; DRF authtoken keys from before keep working."""

from __future__ import annotations

import hashlib
import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from rest_framework.test import APIClient

from sladesk.signin.models import ApiToken

pytestmark = pytest.mark.django_db


def _get(key: str, scheme: str = "Bearer"):
    return APIClient().get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"{scheme} {key}")


def _sign_in(**extra):
    body = {"username": "alice", "password": "pw", **extra}
    return APIClient().post("/api/v1/auth/token/", body, format="json")


def test_each_sign_in_issues_a_new_named_token_usable_as_bearer_or_token(agent):
    # when alice asks twice, naming the tokens
    first = _sign_in(name="laptop")
    second = _sign_in(name="ci", expires_in_days=30)
    # then she has two different tokens, each named, the second expiring in 30 days
    assert first.status_code == second.status_code == 200
    a, b = first.json(), second.json()
    assert a["token"] != b["token"] and (a["name"], b["name"]) == ("laptop", "ci")
    assert a["expires_at"] is None and b["expires_at"] is not None
    # and both work with either scheme
    assert _get(a["token"], "Bearer").status_code == 200
    assert _get(b["token"], "Token").status_code == 200
    # and the database holds digests, never the keys
    for row in ApiToken.objects.all():
        assert row.digest in {
            hashlib.sha256(k.encode()).hexdigest() for k in (a["token"], b["token"])
        }
        assert a["token"] not in (row.digest, row.prefix) and len(row.prefix) == 8


def test_a_revoked_token_stops_working_and_others_do_not(agent):
    # given two tokens
    keep, drop = _sign_in(name="keep").json(), _sign_in(name="drop").json()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {keep['token']}")
    # when alice revokes one through the API
    revoked = api.delete(f"/api/v1/auth/tokens/{drop['id']}/")
    # then it is 401 and says why; the other still works and lists only itself
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    refused = _get(drop["token"])
    assert refused.status_code == 401 and "revoked" in refused.json()["error"]["message"]
    assert [t["name"] for t in api.get("/api/v1/auth/tokens/").json()] == ["keep"]


def test_another_users_token_cannot_be_revoked(agent, make_org, make_contact):
    # given alice's token and a contact with their own
    alice = _sign_in().json()
    contact = make_contact(make_org("particle-enterprise"), login=True)
    other = APIClient()
    other.force_authenticate(contact.user)
    # when the contact tries to revoke alice's token, then 404 and it still works
    assert other.delete(f"/api/v1/auth/tokens/{alice['id']}/").status_code == 404
    assert _get(alice["token"]).status_code == 200


def test_an_expired_token_is_refused(agent, frozen_now):
    # given a token valid for one day
    start = frozen_now.set(frozen_now())
    key = _sign_in(expires_in_days=1).json()["token"]
    assert _get(key).status_code == 200
    # when a day has passed
    frozen_now.set(start + timedelta(days=1, seconds=1))
    # then it is refused, saying it expired
    response = _get(key)
    assert response.status_code == 401 and "expired" in response.json()["error"]["message"]


def test_changing_the_password_revokes_every_token(agent, client):
    # given two tokens
    keys = [_sign_in(name=n).json()["token"] for n in ("a", "b")]
    # when the password changes (any way: here the model's set_password, as forms do)
    agent.set_password("a-new-Long-password-7")
    agent.save()
    # then both are refused, and a new sign-in gives a working token
    for key in keys:
        response = _get(key)
        assert (
            response.status_code == 401
            and "password changed" in response.json()["error"]["message"]
        )
    new = (
        APIClient()
        .post(
            "/api/v1/auth/token/",
            {"username": "alice", "password": "a-new-Long-password-7"},
            format="json",
        )
        .json()["token"]
    )
    assert _get(new).status_code == 200


def test_a_token_issued_by_a_signed_in_user_and_its_expiry_validation(agent):
    api = APIClient()
    api.force_authenticate(agent)
    # when alice issues a token with a bad expiry and no name
    bad = api.post("/api/v1/auth/tokens/", {"expires_in_days": 0}, format="json")
    good = api.post("/api/v1/auth/tokens/", {}, format="json")
    # then the bad one names the field; the good one is named "api"
    assert bad.status_code == 400 and "expires_in_days" in bad.json()["error"]["fields"]
    assert good.status_code == 201 and good.json()["name"] == "api"


def test_drf_authtoken_keys_from_before_become_named_tokens(agent):
    # given the table DRF's authtoken app left, with alice's plain-text key
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "user_id integer NOT NULL, created timestamp with time zone NOT NULL)"
            if connection.vendor == "postgresql"
            else "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, "
            "user_id integer, created datetime)"
        )
    legacy = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO authtoken_token VALUES (%s, %s, %s)",
            [legacy, agent.pk, "2026-01-01 00:00:00+00:00"],
        )
    migration = importlib.import_module("sladesk.signin.migrations.0002_legacy_tokens")
    # when the migration runs
    from django.apps import apps

    migration.forward(apps, SimpleNamespace(connection=connection))
    # then the same key works, and the plain-text row is gone
    assert _get(legacy, "Token").status_code == 200
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
        cursor.execute("DROP TABLE authtoken_token")
