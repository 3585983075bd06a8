"""TOTP two-factor: enrolment, the code step after the password (page and API), no code
reuse, throttled codes, and an admin's demand to enrol."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.test import Client
from rest_framework.test import APIClient

from sladesk.signin.models import SecondFactor
from sladesk.signin.totp import require_two_factor

pytestmark = pytest.mark.django_db


def _enrol(client: Client) -> pyotp.TOTP:
    """Sign alice in and turn two-factor on through the set-up page; returns her app."""
    page = client.get("/accounts/two-factor/setup/")
    secret = page.context["secret"]
    app = pyotp.TOTP(secret)
    response = client.post("/accounts/two-factor/setup/", {"code": app.at(time.time() - 30)})
    assert response.status_code == 302, response.content
    return app


def test_enrolment_then_sign_in_needs_the_code(agent):
    # given alice signed in who sets up her authenticator
    first = Client()
    assert first.login(username="alice", password="pw")
    wrong = first.post("/accounts/two-factor/setup/", {"code": "000000"})
    assert b"does not match" in wrong.content
    app = _enrol(first)
    assert SecondFactor.objects.get(user=agent).active
    # when she signs in again with her password
    client = Client()
    step = client.post("/accounts/login/", {"username": "alice", "password": "pw"})
    # then she is asked for the code and not yet signed in
    assert step.status_code == 302 and step["Location"] == "/accounts/two-factor/"
    assert "_auth_user_id" not in client.session
    assert client.get("/desk/").status_code == 302
    # and a wrong code is refused, the current one signs her in to the desk
    assert (
        b"wrong or was already used"
        in client.post("/accounts/two-factor/", {"code": "123456"}).content
    )
    done = client.post("/accounts/two-factor/", {"code": app.now()})
    assert done.status_code == 302 and done["Location"] == "/desk/"
    assert client.get("/desk/").status_code == 200


def test_a_code_is_accepted_once(agent):
    # given alice with two-factor on and a code she just used
    setup = Client()
    setup.login(username="alice", password="pw")
    app = _enrol(setup)
    code = app.now()
    c1 = Client()
    c1.post("/accounts/login/", {"username": "alice", "password": "pw"})
    assert c1.post("/accounts/two-factor/", {"code": code}).status_code == 302
    # when the same code is replayed in another sign-in
    c2 = Client()
    c2.post("/accounts/login/", {"username": "alice", "password": "pw"})
    replay = c2.post("/accounts/two-factor/", {"code": code})
    # then it is refused
    assert replay.status_code == 200 and "_auth_user_id" not in c2.session


def test_wrong_codes_count_towards_the_lockout(agent, settings):
    settings.SLADESK_SIGNIN = {"account_limit": 3, "address_limit": 50}
    setup = Client()
    setup.login(username="alice", password="pw")
    app = _enrol(setup)
    # given the password right but three wrong codes
    client = Client()
    client.post("/accounts/login/", {"username": "alice", "password": "pw"})
    for _ in range(3):
        client.post("/accounts/two-factor/", {"code": "111111"})
    # then even the right code is refused for now with 429
    locked = client.post("/accounts/two-factor/", {"code": app.now()})
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0


def test_the_token_endpoint_needs_the_code_too(agent):
    setup = Client()
    setup.login(username="alice", password="pw")
    app = _enrol(setup)
    api = APIClient()
    # when alice asks for a token with the password alone, then with a code
    missing = api.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "pw"}, format="json"
    )
    ok = api.post(
        "/api/v1/auth/token/",
        {"username": "alice", "password": "pw", "otp_code": app.now()},
        format="json",
    )
    # then the first names the missing field, the second gets a token
    assert missing.status_code == 400 and "otp_code" in missing.json()["error"]["fields"]
    assert ok.status_code == 200 and ok.json()["token"]


def test_an_admin_can_require_two_factor(agent):
    # given an admin's demand that alice enrols
    require_two_factor(agent)
    client = Client()
    # when she signs in with her password
    response = client.post("/accounts/login/", {"username": "alice", "password": "pw"})
    # then she lands on the set-up page and cannot use the desk or the API until she enrols
    assert response["Location"] == "/accounts/two-factor/setup/"
    assert client.get("/desk/")["Location"] == "/accounts/two-factor/setup/"
    assert client.get("/api/v1/tickets/").status_code == 403
    assert b"requires two-factor" in client.get("/accounts/two-factor/setup/").content
    _enrol(client)
    assert client.get("/desk/").status_code == 200


def test_policy_can_require_two_factor_for_every_agent(agent, settings, make_org, make_contact):
    # given the setting that agents (and admins) must enrol
    settings.SLADESK_SIGNIN = {"require_two_factor": "agents"}
    contact = make_contact(make_org("particle-enterprise"), login=True)
    # then an agent is sent to set-up, a contact is not
    agent_client, contact_client = Client(), Client()
    to_setup = agent_client.post("/accounts/login/", {"username": "alice", "password": "pw"})
    to_portal = contact_client.post(
        "/accounts/login/", {"username": contact.user.username, "password": "pw"}
    )
    assert to_setup["Location"] == "/accounts/two-factor/setup/"
    assert to_portal["Location"] == "/portal/"
