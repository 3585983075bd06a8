"""An admin that cannot be misconfigured: the admin, the API and the models share one set of
checks (`sladesk.accounts.validation`), and a bad value already stored never gives a 500."""

from __future__ import annotations

import pytest

from sladesk.accounts.models import Organization

pytestmark = pytest.mark.django_db


def _admin_post(client, ui, **changes):
    client.force_login(ui.admin)
    data = {
        "name": "Webwerk",
        "slug": "webwerk",
        "policy_name": "freistilbox",
        "plan": "standard",
        "region": "",
        "timezone": "Europe/Berlin",
        "accountteammember_set-TOTAL_FORMS": "0",
        "accountteammember_set-INITIAL_FORMS": "0",
        # the email aliases inline (its InboundAddress rows, issue 13)
        "inbound_addresses-TOTAL_FORMS": "0",
        "inbound_addresses-INITIAL_FORMS": "0",
        **changes,
    }
    return client.post("/admin/accounts/organization/add/", data)


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"policy_name": "freistilbx"}, "policy_name", "Select a valid choice"),
        ({"plan": "gold"}, "plan", "unknown plan 'gold' for policy freistilbox"),
        ({"timezone": "Europe/Berln"}, "timezone", "'Europe/Berln' is not an IANA time zone"),
    ],
)
def test_the_admin_refuses_a_bad_contract_or_zone(client, ui, changes, field, words):
    # when an admin saves an organization with one bad value
    response = _admin_post(client, ui, **changes)
    # then the form comes back naming it, and nothing is saved
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert words in " ".join(errors[field])
    assert not Organization.objects.filter(slug="webwerk").exists()


def test_the_admin_saves_a_good_organization(client, ui):
    response = _admin_post(client, ui)
    assert response.status_code == 302
    assert Organization.objects.get(slug="webwerk").plan == "standard"


def test_the_api_gives_the_same_answer_as_the_admin(client_for, world):
    response = client_for(world.admin).post(
        "/api/v1/organizations/",
        {
            "name": "W",
            "slug": "w",
            "policy": "freistilbox",
            "plan": "gold",
            "timezone": "Europe/Berln",
        },
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "unknown plan 'gold' for policy freistilbox" in fields["plan"][0]
    assert "'Europe/Berln' is not an IANA time zone" in fields["timezone"][0]


def test_a_bad_stored_policy_name_says_what_is_wrong_instead_of_a_500(client, ui):
    # given an organization whose stored policy name is not a loaded policy (saved before
    # validation, or edited in the database)
    Organization.objects.filter(pk=ui.acme.pk).update(policy_name="freistilbx")
    # when its contact opens the new-ticket page
    client.force_login(ui.acme_contact.user)
    page = client.get("/portal/new/")
    # then a 503 page in plain words, no "Server Error (500)"
    assert page.status_code == 503
    assert "support settings are not complete" in page.content.decode()


def test_a_contact_is_added_in_one_form_with_a_sign_in_invitation(client, ui, mailoutbox):
    # given an agent on the contacts page
    client.force_login(ui.agent)
    # when they add a contact with an invitation
    response = client.post(
        "/desk/contacts/",
        {"organization": ui.acme.pk, "email": "lee@acme.example", "name": "Lee", "invite": "on"},
    )
    # then the contact and its login exist, and a mail with a one-time link went out
    assert response.status_code == 302
    contact = ui.acme.contacts.get(email="lee@acme.example")
    assert contact.user is not None and not contact.user.has_usable_password()
    assert [m.to for m in mailoutbox] == [["lee@acme.example"]]
    link = next(line for line in mailoutbox[0].body.splitlines() if "/reset/" in line).strip()
    # and the link lets them set a password (Django's reset token: works once)
    page = client.get(link, follow=True)
    assert page.status_code == 200 and "password" in page.content.decode().lower()
    # and the search finds the contact by organization name
    listing = client.get("/desk/contacts/?q=acme").content.decode()
    assert "lee@acme.example" in listing


def test_adding_a_contact_twice_names_the_problem(client, ui):
    client.force_login(ui.agent)
    data = {"organization": ui.acme.pk, "email": ui.acme_contact.email}
    page = client.post("/desk/contacts/", data)
    assert page.status_code == 200
    assert "is already a contact of Acme" in page.content.decode()


def test_customers_cannot_reach_the_contacts_page(client, ui):
    client.force_login(ui.acme_contact.user)
    assert client.get("/desk/contacts/").status_code in (302, 403, 404)
