"""The public status page in a real browser with JavaScript off: the demo's Particle page,
a subscription by the plain form, a change shown on reload; no serious accessibility
violations."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from browser_support import axe_violations, shot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def no_js_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, locale="en-US", java_script_enabled=False
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def test_the_status_page_reads_and_subscribes_without_javascript(
    no_js_page, page, live_server, demo
):
    from sladesk.status import cache
    from sladesk.status.models import Component, StatusPage, Subscriber
    from sladesk.status.services import open_incident

    cache.forget()
    # given the demo's default page (Particle), read with JavaScript off
    no_js_page.goto(f"{live_server.url}/status/")
    assert no_js_page.locator("h1").inner_text() == "Particle"
    assert no_js_page.locator("#page-status").inner_text() == "Minor Service Outage"
    assert "Delayed OTA updates" in no_js_page.locator(".incident").first.inner_text()
    assert no_js_page.locator(".component-row").count() == 5
    assert no_js_page.locator(".component-row").first.locator(".bars span").count() >= 90
    # when a visitor subscribes with the plain form
    no_js_page.fill("input[name=email]", "visitor@example.com")
    no_js_page.get_by_role("button", name="Subscribe by e-mail").click()
    assert "Check your inbox" in no_js_page.locator("h1").inner_text()
    assert Subscriber.objects.get().email == "visitor@example.com"
    # when an incident takes the REST API down; then reloading shows it within 5 s
    # (the browser may keep its copy for the 2 s of max-age)
    particle = StatusPage.objects.get(slug="particle")
    api = Component.objects.get(page=particle, name="REST API")
    open_incident(
        particle,
        name="REST API unreachable",
        body="Investigating.",
        impact="critical",
        components={api.pk: "major_outage"},
    )
    changed_at = time.monotonic()
    while True:
        no_js_page.goto(f"{live_server.url}/status/")
        if no_js_page.locator("#page-status").inner_text() == "Major System Outage":
            break
        assert time.monotonic() - changed_at < 5, "the change did not show within 5 s"
        time.sleep(0.25)
    assert "Major outage" in no_js_page.locator(f"#component-{api.public_id}").inner_text()
    shot(no_js_page, "status")
    # and axe (needs JavaScript: the normal page) finds nothing serious
    page.goto(f"{live_server.url}/status/houseware/")
    assert "99.5% uptime per month" in page.content()
    assert axe_violations(page) == []
