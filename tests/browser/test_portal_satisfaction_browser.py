"""Satisfaction in the portal, in a real browser: the requester of a solved ticket rates it
on the ticket page with a comment; the survey mail's link afterwards shows that answer
(the first one counts) and the desk's results show it."""

from __future__ import annotations

import pytest

from support.browser import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_requester_rates_a_solved_ticket_in_the_portal(page, live_server, demo):
    from urllib.parse import urlsplit

    from sladesk.accounts.models import Contact
    from sladesk.satisfaction.models import SatisfactionRating
    from sladesk.satisfaction.services import rating_link
    from sladesk.tickets import services

    contact = Contact.objects.get(user__username="acme")
    ticket = services.open_ticket(
        organization=contact.organization,
        requester=contact,
        subject="Browser test: rate me",
        description="SIMs not activating.",
        priority="P3",
        actor=contact,
    )
    # given alice solved it from the desk with a reply
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    page.fill("#id_body", "The SIMs are active now.")
    page.click("[data-send-then=solved]")
    page.wait_for_selector("text=Reply sent; status: solved.")
    survey = SatisfactionRating.objects.get(ticket=ticket)
    assert survey.rating == ""
    # when the requester opens the ticket in the portal and rates it bad with a comment
    page.context.clear_cookies()
    sign_in(page, live_server, "acme")
    page.goto(f"{live_server.url}/portal/tickets/{ticket.pk}/")
    card = page.locator("[data-satisfaction]")
    assert "How did we do?" in card.inner_text()
    page.fill("#id_csat_comment", "Took three days for a SIM.")
    card.get_by_role("button", name="Bad").click()
    # then the page shows the answer, and it is stored once
    page.wait_for_selector("[data-satisfaction] [data-rating=bad]")
    assert "You rated this ticket bad" in page.locator("[data-satisfaction]").inner_text()
    assert "Took three days for a SIM." in page.locator("[data-satisfaction]").inner_text()
    survey.refresh_from_db()
    assert (survey.rating, survey.comment) == ("bad", "Took three days for a SIM.")
    # when the mail's "good" link is clicked afterwards (signed out)
    page.context.clear_cookies()
    page.goto(live_server.url + urlsplit(rating_link(survey, "good")).path)
    # then the first answer counts
    status = page.locator("[data-satisfaction] [data-rating]")
    assert status.get_attribute("data-rating") == "bad"
    assert "the first answer counts" in status.inner_text()
    survey.refresh_from_db()
    assert survey.rating == "bad"
    # and the desk's results show it
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/desk/satisfaction/")
    latest = page.locator(f"[data-survey='{ticket.pk}']").inner_text()
    assert "Bad" in latest and "Took three days for a SIM." in latest
