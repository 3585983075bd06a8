"""Merging from the agent ticket page in a real browser: the source's messages show on the
target, the source is closed with a link, and its clocks stop without a breach."""

from __future__ import annotations

import pytest

from support.browser import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def _acme_ticket(subject: str, description: str):
    from sladesk.accounts.models import Contact
    from sladesk.tickets import services

    contact = Contact.objects.get(user__username="acme")
    return services.open_ticket(
        organization=contact.organization,
        requester=contact,
        subject=subject,
        description=description,
        priority="P3",
        actor=contact,
    )


def test_agent_merges_a_duplicate_from_the_ticket_page(page, live_server, demo):
    from sladesk.notify.models import Timer
    from sladesk.tickets.models import SlaClock, Status, Ticket

    # given two Acme tickets about the same outage
    target = _acme_ticket("Browser test: trackers offline", "Every tracker is offline.")
    duplicate = _acme_ticket("Browser test: no GPS fixes", "No GPS fixes since 09:00.")
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/desk/tickets/{duplicate.pk}/")
    # when alice merges the duplicate into the first one and tells the requester
    page.fill("#id_merge_into", str(target.pk))
    page.fill("#id_merge_note", "Same outage as the trackers")
    page.check("#id_merge_notify")
    page.get_by_role("button", name="Merge").click()
    # then she lands on the target, which shows the moved message marked with its origin
    page.wait_for_url(f"**/desk/tickets/{target.pk}/")
    page.wait_for_selector(
        f"text=#{duplicate.pk} merged into #{target.pk}. The requester was told."
    )
    moved = page.locator("article.message", has_text="No GPS fixes since 09:00.")
    assert f"from #{duplicate.pk}" in moved.inner_text()
    assert (
        page.locator("#related [data-relation='merged from']")
        .inner_text()
        .startswith("merged from")
    )
    # and the duplicate is closed with a link back, its clocks cancelled (not breached)
    page.get_by_role("link", name=f"#{duplicate.pk} Browser test: no GPS fixes").click()
    page.wait_for_url(f"**/desk/tickets/{duplicate.pk}/")
    assert "Merged into" in page.locator(".merged-banner").inner_text()
    assert page.locator("#merge-form").count() == 0
    assert Ticket.objects.get(pk=duplicate.pk).status == Status.CLOSED
    assert set(SlaClock.objects.filter(ticket=duplicate).values_list("state", flat=True)) == {
        "cancelled"
    }
    assert not Timer.objects.filter(ticket=duplicate, state="pending").exists()
