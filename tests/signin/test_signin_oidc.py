"""Single sign-on for agents, end to end against a real OpenID Connect provider on loopback
(oidc-provider-mock: authlib's server in a Flask app, served here by werkzeug on 127.0.0.1).

The desk is the relying party in this process (Django's test client); the provider is a
real HTTP server: the desk fetches its token, userinfo and JWKS endpoints over loopback,
verifies the RS256 ID token's signature, nonce, audience, expiry and issuer, then signs in
the agent whose e-mail the provider vouches for.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import oidc_provider_mock
import pytest
import werkzeug.serving
from django.test import Client

pytestmark = pytest.mark.django_db

CLIENT_ID, CLIENT_SECRET = "sladesk-desk", "desk-client-secret"


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    """The provider's base URL (127.0.0.1, ephemeral port), for this module's tests."""
    server = werkzeug.serving.make_server(
        "127.0.0.1", 0, oidc_provider_mock.app(require_nonce=True), threaded=True
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def sso(provider, settings) -> str:
    """The desk configured for the provider from its discovery document."""
    config = httpx.get(f"{provider}/.well-known/openid-configuration", timeout=10).json()
    settings.AUTHENTICATION_BACKENDS = [
        "django.contrib.auth.backends.ModelBackend",
        "sladesk.signin.oidc.AgentOIDCBackend",
    ]
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = config["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = config["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = config["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = config["jwks_uri"]
    settings.OIDC_RP_SIGN_ALGO = "RS256"
    settings.OIDC_RP_SCOPES = "openid email profile"
    settings.OIDC_CREATE_USER = False
    settings.OIDC_USE_PKCE = True
    settings.OIDC_VERIFY_KID = (
        False  # this provider's one key has no "kid" (SLADESK_OIDC_VERIFY_KID=0)
    )
    settings.SLADESK_OIDC_ISSUER = config["issuer"]
    settings.SLADESK_OIDC_PROVIDER_NAME = "Acme SSO"
    return provider


def _sign_in_at_provider(provider: str, client: Client, sub: str, claims: dict[str, object]):
    """The whole round trip; returns the desk's answer to the provider's redirect back."""
    assert httpx.put(f"{provider}/users/{sub}", json=claims, timeout=10).status_code == 204
    # the desk sends the browser to the provider's authorization endpoint
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302 and start["Location"].startswith(provider)
    # the user signs in there; the provider redirects back with a code
    back = httpx.post(start["Location"], data={"sub": sub}, timeout=10)
    assert back.status_code == 302, back.text
    callback = urlsplit(back.headers["location"])
    assert callback.path == "/oidc/callback/"
    # the browser follows: the desk exchanges the code over loopback and signs in
    return client.get(f"{callback.path}?{callback.query}")


def test_an_agent_signs_in_through_the_provider_and_lands_in_the_desk(sso, agent):
    client = Client()
    # given the sign-in page offers single sign-on
    assert b"Sign in with Acme SSO" in client.get("/accounts/login/").content
    # when alice signs in at the provider, which vouches for her verified e-mail
    done = _sign_in_at_provider(
        sso, client, "alice-at-idp", {"email": "ALICE@desk.example", "email_verified": True}
    )
    # then she is signed in as the existing agent and the desk opens
    assert done.status_code == 302 and done["Location"] == "/"
    assert client.session["_auth_user_id"] == str(agent.pk)
    assert client.get("/desk/").status_code == 200


def test_a_contact_or_an_unknown_person_is_not_signed_in(sso, make_org, make_contact):
    # given a contact with a login, and a person with no account at all
    contact = make_contact(make_org("particle-enterprise"), "pat@acme.example", login=True)
    for sub, email in (("pat-at-idp", contact.email), ("eve-at-idp", "eve@elsewhere.example")):
        client = Client()
        # when each comes back from the provider
        done = _sign_in_at_provider(sso, client, sub, {"email": email, "email_verified": True})
        # then nobody is signed in (single sign-on is for agents; it creates no accounts)
        assert done.status_code == 302
        assert "_auth_user_id" not in client.session


def test_an_unverified_email_is_refused(sso, agent):
    client = Client()
    _sign_in_at_provider(
        sso, client, "alice-unverified", {"email": agent.email, "email_verified": False}
    )
    assert "_auth_user_id" not in client.session


def test_a_token_for_another_issuer_is_refused(sso, agent, settings):
    # given the desk expects a different issuer than the provider signs as
    settings.SLADESK_OIDC_ISSUER = "https://idp.example.com"
    client = Client()
    # when alice comes back with a genuine token from the loopback provider
    done = _sign_in_at_provider(
        sso, client, "alice-iss", {"email": agent.email, "email_verified": True}
    )
    # then the desk refuses it as suspicious (400, logged by django.security), no session
    assert done.status_code == 400
    assert "_auth_user_id" not in client.session


def test_sso_settings_come_from_the_environment_and_a_half_configuration_is_refused():
    from sladesk.settings.sso import oidc_settings

    # given no client id, single sign-on is off
    assert oidc_settings({}) == {}
    # given a client id without the endpoints, the missing variable is named
    with pytest.raises(ValueError, match="SLADESK_OIDC_CLIENT_SECRET"):
        oidc_settings({"SLADESK_OIDC_CLIENT_ID": "desk"})
    # given everything, the library's settings are set, users are never created
    env = {
        "SLADESK_OIDC_CLIENT_ID": "desk",
        "SLADESK_OIDC_CLIENT_SECRET": "s",
        "SLADESK_OIDC_AUTHORIZATION_ENDPOINT": "https://idp/a",
        "SLADESK_OIDC_TOKEN_ENDPOINT": "https://idp/t",
        "SLADESK_OIDC_USERINFO_ENDPOINT": "https://idp/u",
        "SLADESK_OIDC_JWKS_ENDPOINT": "https://idp/j",
    }
    out = oidc_settings(env)
    assert out["OIDC_OP_TOKEN_ENDPOINT"] == "https://idp/t" and out["OIDC_CREATE_USER"] is False
    assert out["OIDC_USE_PKCE"] and out["OIDC_VERIFY_KID"]
