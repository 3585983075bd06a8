"""One source of truth for inbound addresses (issue 13 item 4): an organization's
``email_aliases`` in the API and its inline in the admin are its `InboundAddress` rows,
and every address the API lists is accepted at RCPT; long lines in DATA are kept."""

from __future__ import annotations

import smtplib

import pytest
from django.contrib.auth.models import User

from sladesk.accounts.models import Contact
from sladesk.intake.models import InboundAddress, InboundMessage, InboundState
from sladesk.intake.pipeline import process_pending
from sladesk.intake.store import store_raw
from support.mail import DOMAIN, build_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return User.objects.create_superuser("root", "root@desk.example", "pw")


@pytest.mark.django_db(transaction=True)  # the SMTP server's threads read the database
def test_api_aliases_are_routes_and_every_listed_address_is_accepted_at_rcpt(
    admin_user, client_for, smtp_server
):
    # given an organization created through the API with an alias at a domain of its own
    client = client_for(admin_user)
    made = client.post(
        "/api/v1/organizations/",
        {
            "name": "Acme Robotics",
            "slug": "acme-robotics",
            "policy": "particle-enterprise",
            "region": "na",
            "email_aliases": ["Acme@Particle.io"],
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    org_id = made.json()["id"]
    # then the alias is a route of that organization, listed as the API shows it
    route = InboundAddress.objects.get(address="acme@particle.io")
    assert route.organization_id == org_id and route.enabled
    listed = client.get(f"/api/v1/organizations/{org_id}/").json()["email_aliases"]
    assert listed == ["acme@particle.io"]
    # when an admin adds a route for it in the admin's model, the API lists it too
    InboundAddress.objects.create(address="robots@support.example.com", organization_id=org_id)
    listed = client.get(f"/api/v1/organizations/{org_id}/").json()["email_aliases"]
    assert listed == ["acme@particle.io", "robots@support.example.com"]
    # and every listed address is accepted at RCPT
    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail("jane@acme-robotics.example")
        for address in listed:
            assert smtp.rcpt(address)[0] == 250, address
        assert smtp.rcpt("x@not-ours.example")[0] == 550


def test_patching_aliases_replaces_the_routes_and_refuses_another_organizations(
    admin_user, client_for, make_org
):
    # given two organizations, one owning an alias
    client = client_for(admin_user)
    acme, other = make_org("particle-enterprise", name="Acme"), make_org("houseware", name="Globex")
    InboundAddress.objects.create(address="globex@particle.io", organization=other)
    # when acme claims globex's alias
    answer = client.patch(
        f"/api/v1/organizations/{acme.pk}/",
        {"email_aliases": ["globex@particle.io"]},
        format="json",
    )
    # then 400 says whose it is, and nothing changed
    assert answer.status_code == 400
    assert "globex@particle.io is already routed to organization Globex" in answer.content.decode()
    assert InboundAddress.objects.get(address="globex@particle.io").organization == other
    # when acme sets its own, then replaces them
    assert (
        client.patch(
            f"/api/v1/organizations/{acme.pk}/",
            {"email_aliases": ["a@particle.io", "b@particle.io"]},
            format="json",
        ).status_code
        == 200
    )
    client.patch(
        f"/api/v1/organizations/{acme.pk}/", {"email_aliases": ["b@particle.io"]}, format="json"
    )
    # then exactly the listed rows are acme's routes
    assert list(
        InboundAddress.objects.filter(organization=acme).values_list("address", flat=True)
    ) == ["b@particle.io"]


def test_the_admin_shows_and_edits_aliases_on_the_organization_page(admin_user, make_org, client):
    # given an organization with an alias route
    org = make_org("particle-enterprise", name="Acme")
    InboundAddress.objects.create(address="acme@particle.io", organization=org)
    client.force_login(admin_user)
    # when its admin page is opened
    page = client.get(f"/admin/accounts/organization/{org.pk}/change/").content.decode()
    # then the alias is there as an editable inbound address
    assert (
        "email aliases (inbound addresses)" in page.lower() and 'value="acme@particle.io"' in page
    )


def test_a_verified_stranger_at_the_alias_domain_does_not_become_a_contact(make_org, make_contact):
    # given acme, accepting unknown senders, whose alias is at particle.io (not acme's domain)
    org = make_org("particle-enterprise", region="na", name="Acme", allow_unknown_senders=True)
    make_contact(org, "jane@acme.example")
    InboundAddress.objects.create(address="acme@particle.io", organization=org)
    # when spy2@particle.io (even verified) writes to the alias
    store_raw(
        build_mail(sender="spy2@particle.io", to="acme@particle.io"),
        envelope_to=["acme@particle.io"],
    )
    process_pending()
    # then it is quarantined: particle.io is a routed domain, never acme's
    row = InboundMessage.objects.get()
    assert row.state == InboundState.QUARANTINED
    assert not Contact.objects.filter(email="spy2@particle.io").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "line",
    [
        b"X-Long: " + b"a" * 1242,  # a large provider's header
        b"QUJD" * 1250,  # a 5,000-character base64 line
    ],
)
def test_lines_longer_than_998_octets_are_accepted_and_kept_byte_for_byte(acme, smtp_server, line):
    # given a mail with one very long line
    head, body = build_mail(subject="Long line").split(b"\r\n\r\n", 1)
    raw = (
        head
        + b"\r\n"
        + (line + b"\r\n\r\n" if line.startswith(b"X-") else b"\r\n" + line + b"\r\n")
        + body
    )
    # when it is sent
    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=10) as smtp:
        assert smtp.sendmail("jane@acme.example", [f"acme@{DOMAIN}"], raw) == {}
    # then it is stored exactly as sent
    stored = bytes(InboundMessage.objects.get().raw)
    assert line in stored and stored == raw
