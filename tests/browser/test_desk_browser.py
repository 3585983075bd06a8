"""The agent desk in a real browser: find a breaching ticket, reply, re-prioritise with a
reason and watch the clocks change; a clock turns red at its breach while the page is open."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from support.browser import axe_violations, shot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _p1_ticket_near_breach(subject: str, minutes_ago: int) -> Any:
    """An Acme (particle-enterprise) P1 opened ``minutes_ago``: 1 h first response in
    calendar time, so it is amber (past 75 %) at 50 min whatever the weekday."""
    from sladesk.accounts.models import Contact
    from sladesk.core import time as core_time
    from sladesk.tickets import services

    contact = Contact.objects.get(user__username="acme")
    with core_time.travel(core_time.now() - timedelta(minutes=minutes_ago)):
        return services.open_ticket(
            organization=contact.organization,
            requester=contact,
            subject=subject,
            description="All trackers offline since the OTA.",
            priority="P1",
            custom_fields={"device_os_supported": True},
            actor=contact,
        )


def test_agent_finds_a_breaching_ticket_replies_and_reprioritises(page, live_server, demo):
    ticket = _p1_ticket_near_breach("Browser test: fleet down", minutes_ago=50)
    sign_in(page, live_server, "alice")
    assert page.url.endswith("/desk/")
    # the inbox: counts per view, rows sorted by next due, countdowns ticking;
    # keyboard: j selects the next row (the screenshot shows the selection)
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert page.locator("tr.is-current").count() == 1
    # the screenshot shows the demo's breached ticket in red at the top
    assert "clock-breached" in page.locator("#inbox-list tbody .clock").first.get_attribute("class")
    shot(page, "inbox")
    page.get_by_role("link", name=re.compile("Breaching soon")).click()
    row = page.locator(f"tr[data-ticket='{ticket.pk}']")
    row.wait_for()
    assert "clock-warn" in row.locator(".clock").get_attribute("class")
    # "/" focuses the search box
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "q"
    row.get_by_role("link").click()
    page.wait_for_url(f"**/desk/tickets/{ticket.pk}/")
    panel = page.locator("#clock-panel")
    before = panel.inner_text()
    assert "First response" in before and "Due (customer)" in before
    # reply: first response met
    page.fill("#id_body", "We are rolling the OTA back now.")
    page.get_by_role("button", name="Send public reply").click()
    page.wait_for_selector("text=Reply sent.")
    assert "met" in page.locator("[data-metric='first_response']").inner_text()
    # change the priority with a reason: P1's resolution is met by de-escalation to P2
    page.select_option("#id_priority", "P2")
    page.fill("#id_reason", "Rollback restored most devices")
    page.get_by_role("button", name="Change priority").click()
    page.wait_for_selector("text=Priority set to P2")
    after = page.locator("#clock-panel").inner_text()
    assert after != before and "cycle 2" in page.locator("[data-metric='resolution']").inner_text()
    assert (
        "priority P1 → P2: Rollback restored most devices" in page.locator(".timeline").inner_text()
    )
    shot(page, "ticket")


def test_agent_acknowledges_the_page_of_a_p1_from_the_ticket_page(page, live_server, demo):
    from sladesk.notify.models import Page, Timer

    # given a P1 just opened: on-call is paged and the page repeats until acknowledged
    ticket = _p1_ticket_near_breach("Browser test: paged", minutes_ago=1)
    paged = Page.objects.get(ticket=ticket)
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    panel = page.locator("[data-open-pages]")
    assert "P1 pages on-call on creation" in panel.inner_text()
    assert axe_violations(page) == []
    # when the agent acknowledges it
    panel.get_by_role("button", name="Acknowledge").click()
    page.wait_for_selector("text=acknowledged: its repeats stop")
    # then the panel is gone, the timeline says so and no repeat is pending
    assert page.locator("[data-open-pages]").count() == 0
    assert "page acknowledged" in page.locator(".timeline").inner_text()
    paged.refresh_from_db()
    assert (paged.state, paged.acknowledged_via) == ("acknowledged", "desk")
    assert not Timer.objects.filter(page=paged, state="pending").exists()


def test_a_clock_turns_red_at_its_breach_while_the_page_is_open(page, live_server, demo):
    from sladesk.core import time as core_time
    from sladesk.tickets.models import SlaClock

    ticket = _p1_ticket_near_breach("Browser test: about to breach", minutes_ago=1)
    # test setup: make the first response fall due a few seconds from now
    now = core_time.now()
    SlaClock.objects.filter(ticket=ticket, metric="first_response").update(
        due_at=now + timedelta(seconds=6), warn_at=now + timedelta(seconds=2)
    )
    sign_in(page, live_server, "bob")
    page.goto(f"{live_server.url}/desk/?view=all&q=%23{ticket.pk}")
    row = page.locator(f"tr[data-ticket='{ticket.pk}']")
    badge = row.locator(".clock")
    assert "clock-breached" not in badge.get_attribute("class")
    page.wait_for_function(
        "el => el.classList.contains('clock-breached')", arg=badge.element_handle(), timeout=12_000
    )
    assert "row-breached" in row.get_attribute("class")
    assert "breached" in badge.inner_text()
    # the ticket page's clock panel agrees (server side and the ticking script)
    page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    assert page.locator("[data-metric='first_response']").get_attribute("data-state") == "breached"


DESK_PAGES = [
    "/desk/",
    "/desk/tickets/{id}/",
    "/desk/settings/",
    "/desk/settings/policies/houseware/",
]


def test_desk_pages_have_no_serious_accessibility_violations(page, live_server, demo):
    from sladesk.tickets.models import Ticket

    sign_in(page, live_server, "admin", "admin")
    ticket = Ticket.objects.order_by("pk").first()
    found = {}
    for path in DESK_PAGES:
        page.goto(live_server.url + path.format(id=ticket.pk))
        found[path] = axe_violations(page)
    assert found == {path: [] for path in DESK_PAGES}


def test_collision_notice_when_another_agent_is_replying(browser, page, live_server, demo):
    from sladesk.tickets.models import Ticket

    ticket = Ticket.objects.order_by("pk").first()
    url = f"{live_server.url}/desk/tickets/{ticket.pk}/"
    other = browser.new_context()
    try:
        bob = other.new_page()
        sign_in(bob, live_server, "bob")
        bob.goto(url)
        bob.fill("#id_body", "Drafting an answer")
        bob.dispatch_event("#id_body", "input")
        sign_in(page, live_server, "alice")
        page.goto(url)
        page.wait_for_selector("#collision >> text=Bob Berg is replying", timeout=15_000)
    finally:
        other.close()
