"""The customer portal in a real browser: sign in, submit a P2 ticket, see its due time,
no way into another organization's ticket; no serious accessibility violations."""

from __future__ import annotations

import re

import pytest

from support.browser import axe_violations, shot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_customer_submits_a_p2_ticket_and_sees_its_due_time(page, live_server, demo):
    from sladesk.tickets.models import Ticket

    sign_in(page, live_server, "acme")
    assert page.url.endswith("/portal/")
    page.get_by_role("link", name="Submit a new ticket").click()
    page.fill("#id_subject", "Browser test: Boron units offline")
    page.fill("#id_description", "Since this morning 40 Borons drop off every hour.")
    page.check("#prio-P2")
    page.select_option("#id_cf_device_os_supported", "yes")
    page.fill("#id_cf_device_os_version", "5.8.0")
    page.get_by_role("button", name="Submit ticket").click()
    page.wait_for_selector("text=submitted")
    ticket = Ticket.objects.get(subject="Browser test: Boron units offline")
    assert ticket.priority == "P2" and page.url.endswith(f"/portal/tickets/{ticket.pk}/")
    promises = page.locator("[data-metric='first_response']").inner_text()
    # due instant in Acme's zone (Los Angeles), named, with the relative time
    assert re.search(r"Due \w{3} \d+ \w{3} \d{4}, \d\d:\d\d P[SD]T in ", promises), promises
    page.goto(f"{live_server.url}/portal/")
    shot(page, "portal")


def test_customer_cannot_open_another_organizations_ticket(page, live_server, demo):
    from sladesk.tickets.models import Ticket

    other = Ticket.objects.exclude(organization__slug="acme-robotics").first()
    sign_in(page, live_server, "acme")
    response = page.goto(f"{live_server.url}/portal/tickets/{other.pk}/")
    assert response.status == 404
    assert other.subject not in page.content()
    assert page.goto(f"{live_server.url}/desk/").status == 403


PORTAL_PAGES = ["/portal/", "/portal/new/", "/portal/tickets/{id}/"]


def test_portal_pages_have_no_serious_accessibility_violations(page, live_server, demo):
    from sladesk.tickets.models import Ticket

    page.goto(f"{live_server.url}/accounts/login/")
    found = {"/accounts/login/": axe_violations(page)}
    sign_in(page, live_server, "bright")
    ticket = Ticket.objects.filter(organization__slug="brightmetrics").first()
    for path in PORTAL_PAGES:
        page.goto(live_server.url + path.format(id=ticket.pk))
        found[path] = axe_violations(page)
    assert found == {path: [] for path in ["/accounts/login/", *PORTAL_PAGES]}
