"""The Django admin in a real browser cannot be misconfigured: a policy name that is not
loaded, an unknown plan and a misspelt time zone are refused on the form with the reason
(never a 500), and a bad value stored behind the admin's back is named, not a 500."""

from __future__ import annotations

import re

import pytest

from support.browser import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _fill_new_organization(page, live_server) -> None:
    page.goto(f"{live_server.url}/admin/accounts/organization/add/")
    page.fill("#id_name", "Webwerk Zwei")
    page.select_option("#id_policy_name", "freistilbox")
    page.fill("#id_plan", "standard")
    page.fill("#id_timezone", "Europe/Berlin")


def _errors_of(page, field: str) -> str:
    return page.locator(f".field-{field} .errorlist").inner_text()


def test_the_admin_refuses_a_bad_policy_plan_and_time_zone(page, live_server, demo):
    from sladesk.accounts.models import Organization

    sign_in(page, live_server, "admin", "admin")
    # a policy name that is no loaded policy (a stale or forged form: the select offers
    # only loaded ones, so the option is added the way a tampered page would)
    _fill_new_organization(page, live_server)
    page.evaluate(
        """() => { const s = document.querySelector('#id_policy_name');
                   s.add(new Option('freistilbx', 'freistilbx')); s.value = 'freistilbx'; }"""
    )
    response = _save(page)
    assert response.status == 200
    assert "Select a valid choice. freistilbx is not one of the available choices." in (
        _errors_of(page, "policy_name")
    )
    # an unknown plan
    _fill_new_organization(page, live_server)
    page.fill("#id_plan", "gold")
    assert _save(page).status == 200
    assert "unknown plan 'gold' for policy freistilbox" in _errors_of(page, "plan")
    # a misspelt time zone
    _fill_new_organization(page, live_server)
    page.fill("#id_timezone", "Europe/Berln")
    assert _save(page).status == 200
    assert "'Europe/Berln' is not an IANA time zone" in _errors_of(page, "timezone")
    assert "Please correct the error below." in page.locator(".errornote").inner_text()
    assert not Organization.objects.filter(name="Webwerk Zwei").exists()
    # the same form with good values saves
    _fill_new_organization(page, live_server)
    assert _save(page).status == 200
    assert Organization.objects.get(name="Webwerk Zwei").plan == "standard"


def _save(page):
    with page.expect_navigation() as navigation:
        page.click("input[name=_save]")
    return navigation.value


def test_a_bad_stored_policy_is_named_not_a_500(page, live_server, demo):
    from sladesk.accounts.models import Organization

    # given a customer whose stored policy name is no loaded policy (edited in the database)
    org = Organization.objects.get(slug="webwerk")
    Organization.objects.filter(pk=org.pk).update(policy_name="freistilbx")
    # then its contact's portal says so in plain words (503), no "Server Error (500)"
    sign_in(page, live_server, "webwerk")
    response = page.goto(f"{live_server.url}/portal/new/")
    assert response.status == 503
    assert "support settings are not complete" in page.locator("[role=alert]").inner_text()
    # and the admin's form marks the stored value and refuses to keep it
    page.context.clear_cookies()
    sign_in(page, live_server, "admin", "admin")
    page.goto(f"{live_server.url}/admin/accounts/organization/{org.pk}/change/")
    selected = page.locator("#id_policy_name option:checked").inner_text()
    assert re.fullmatch(r"freistilbx — not loaded: pick a loaded policy", selected)
    assert _save(page).status == 200
    assert "freistilbx" in _errors_of(page, "policy_name")
    # picking a loaded policy repairs the portal
    page.select_option("#id_policy_name", "freistilbox")
    _save(page)
    assert Organization.objects.get(pk=org.pk).policy_name == "freistilbox"
    page.context.clear_cookies()
    sign_in(page, live_server, "webwerk")
    assert page.goto(f"{live_server.url}/portal/new/").status == 200
