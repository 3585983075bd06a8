"""SLA at a glance and notices that reach customers, in a real browser: a breached ticket is
red in the inbox's Breached view, and a priority change with its reason and a public reply
made in the desk reach the requester of a portal ticket by mail (a real SMTP server on
loopback, fed by the worker's outbox) and show in the portal."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from support.browser import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

#: ``--bad-fg`` / ``--bad-bg`` of the stylesheet, as the browser computes them.
RED = "rgb(164, 14, 38)"
RED_BG = "rgb(255, 235, 233)"


def _acme_ticket(subject: str, *, priority: str, minutes_ago: int, channel: str = "web") -> Any:
    """An Acme (particle-enterprise, calendar-time P1/P2 first response) ticket opened
    ``minutes_ago`` by its contact."""
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
            priority=priority,
            custom_fields={"device_os_supported": True},
            channel=channel,
            actor=contact,
        )


def test_a_breached_ticket_is_red_in_the_breached_view(page, live_server, demo):
    from sladesk.tickets.models import SlaClock

    # given a P1 whose 1 h first response passed 40 minutes ago (no timer has run yet)
    ticket = _acme_ticket("Browser test: long breached", priority="P1", minutes_ago=100)
    assert SlaClock.objects.get(ticket=ticket, metric="first_response").state == "running"
    sign_in(page, live_server, "alice")
    # when alice opens the Breached view
    page.get_by_role("link", name=re.compile("^Breached")).click()
    page.wait_for_url("**view=breached**")
    row = page.locator(f"tr[data-ticket='{ticket.pk}']")
    badge = row.locator(".clock")
    # then its badge names the clock and how long ago it breached, in red
    assert "clock-breached" in badge.get_attribute("class")
    assert re.fullmatch(r"First response\s+breached 4\d min ago", badge.inner_text().strip())
    colours = badge.evaluate(
        "el => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]"
    )
    assert colours == [RED, RED_BG]
    assert "row-breached" in row.get_attribute("class")
    # and every row of the view is red (no green "due in" in the Breached view)
    badges = page.locator("#inbox-list tbody .clock")
    assert badges.count() >= 2  # the demo's breached ticket and this one
    for i in range(badges.count()):
        assert "clock-breached" in badges.nth(i).get_attribute("class")
        assert badges.nth(i).evaluate("el => getComputedStyle(el).color") == RED
    # and the ticket page agrees
    row.get_by_role("link", name=re.compile("long breached")).click()
    clock = page.locator("[data-metric='first_response']")
    assert clock.get_attribute("data-state") == "breached"


def test_a_priority_change_and_a_reply_reach_the_customer_by_mail(
    page, live_server, demo, settings, smtp_capture
):
    from sladesk.core import time as core_time
    from support.timers import drain

    # given a real SMTP server on loopback for the outbox, and a P2 opened in the portal
    smtp = smtp_capture()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", smtp.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    ticket = _acme_ticket("Browser test: Borons drop off", priority="P2", minutes_ago=5)
    # when alice lowers the priority with a reason and replies, both in the desk
    sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/desk/tickets/{ticket.pk}/")
    page.select_option("#id_priority", "P3")
    page.fill("#id_reason", "Only the test fleet is affected")
    page.get_by_role("button", name="Change priority").click()
    page.wait_for_selector("text=Priority set to P3")
    page.fill("#id_body", "We reproduced it on a Boron; a fix is on the way.")
    page.get_by_role("button", name="Send public reply").click()
    page.wait_for_selector("text=Reply sent.")
    # and the worker runs once (timers, then the outbox)
    drain(core_time.now())
    # then the requester got both mails through SMTP: the notice says why
    mails = {
        str(m.message["Subject"]): m
        for m in smtp.messages
        if f"#{ticket.pk}]" in str(m.message["Subject"])
    }
    notice = mails[f"[#{ticket.pk}] Priority changed to P3: Browser test: Borons drop off"]
    reply = mails[f"Re: [#{ticket.pk}] Browser test: Borons drop off"]
    to = ticket.requester.email.lower()
    assert notice.rcpt_tos == reply.rcpt_tos == [to]
    notice_text = notice.message.get_body(preferencelist=("plain",)).get_content()
    assert "changed from P2 to P3" in notice_text
    assert "Why: Only the test fleet is affected" in notice_text
    reply_text = reply.message.get_body(preferencelist=("plain",)).get_content()
    assert "We reproduced it on a Boron; a fix is on the way." in reply_text
    # and the timeline says what was sent to whom and that it was delivered
    page.reload()
    timeline = page.locator(".timeline").inner_text()
    assert f"{to}: delivered" in timeline
    # and the customer sees the reason and the reply in the portal
    page.context.clear_cookies()
    sign_in(page, live_server, "acme")
    page.goto(f"{live_server.url}/portal/tickets/{ticket.pk}/")
    assert (
        "P2 → P3: Only the test fleet is affected" in page.locator(".priority-notes").inner_text()
    )
    assert "a fix is on the way" in page.locator("article.message.agent").last.inner_text()
