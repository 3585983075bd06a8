"""SLA at a glance: the inbox badge shows the most urgent state (breached first), a breached
clock reads used = target + overrun, and customers see neither internal clocks nor desk
words ("cancelled", "met late", "breached")."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sladesk.tickets import selectors, services
from sladesk.tickets.models import SlaClock
from sladesk.web.clocks import customer_clocks, urgent_badge, urgent_clocks

T = datetime.fromisoformat
pytestmark = pytest.mark.django_db


def _badge(ticket, now):
    from sladesk.tickets.models import Ticket

    row = Ticket.objects.prefetch_related(urgent_clocks()).get(pk=ticket.pk)
    return urgent_badge(row, now)


def test_a_breached_clock_outranks_the_next_running_one(ui):
    # given Acme's P2 (first response due Fri 27 Nov 12:30 PST, resolution running later)
    # recorded breached at 12:31
    now = ui.now.set(T("2026-11-27T12:31:00-08:00"))
    services.refresh_clocks(ui.acme_ticket)
    assert SlaClock.objects.get(ticket=ui.acme_ticket, metric="resolution").state == "running"
    # when the inbox picks the badge
    badge = _badge(ui.acme_ticket, now)
    # then it is the breached first response in red, not the running resolution in green
    assert (badge.metric, badge.colour) == ("first_response", "breached")
    assert badge.text == "breached 1 min ago"


def test_a_running_clock_past_due_is_breached_before_the_timer_records_it(ui):
    now = ui.now.set(T("2026-11-27T12:45:00-08:00"))
    badge = _badge(ui.acme_ticket, now)
    assert (badge.metric, badge.colour, badge.text) == (
        "first_response",
        "breached",
        "breached 15 min ago",
    )


def test_a_clock_past_its_warning_point_outranks_one_due_sooner_but_fine(
    ui, make_org, make_contact
):
    # given the P2's first response at 80 % of its 4 business hours (warning at 75 %)
    now = ui.now.set(T("2026-11-27T11:45:00-08:00"))
    badge = _badge(ui.acme_ticket, now)
    assert (badge.metric, badge.colour) == ("first_response", "warn")


def test_a_breached_clock_reads_used_as_target_plus_overrun(ui):
    # given the first response (4 business hours) recorded breached at 12:30 and read at 13:00
    ui.now.set(T("2026-11-27T12:31:00-08:00"))
    services.refresh_clocks(ui.acme_ticket)
    now = ui.now.set(T("2026-11-27T13:00:00-08:00"))
    # when read
    status = next(
        s for s in selectors.clock_statuses(ui.acme_ticket, now) if s.metric == "first_response"
    )
    # then used = 4 h + 30 min over, the explanation says so without a raw timestamp
    assert status.state == "breached"
    assert status.used == timedelta(hours=4, minutes=30)
    assert status.overrun == timedelta(minutes=30)
    assert "30 min over the target" in status.explanation
    assert "T" not in status.explanation.split(":", 1)[1]  # no ISO instant
    # and once answered late, the overrun stops at the answer
    ui.now.set(T("2026-11-27T13:10:00-08:00"))
    services.reply(ui.acme_ticket, author=ui.agent, body="On it")
    later = ui.now.set(T("2026-11-27T15:00:00-08:00"))
    status = next(
        s for s in selectors.clock_statuses(ui.acme_ticket, later) if s.metric == "first_response"
    )
    assert status.used == timedelta(hours=4, minutes=40)
    assert status.explanation.endswith("met 40 min late")


def test_the_desk_panel_says_calendar_time_for_a_24x7_clock(client, ui, make_org, make_contact):
    # given a freistilbox enterprise (24x7 calendar time) ticket
    org = make_org("freistilbox", plan="enterprise", name="Shop")
    ticket = services.open_ticket(
        organization=org,
        requester=make_contact(org),
        subject="down",
        description="x",
        priority="high",
    )
    client.force_login(ui.agent)
    page = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    # then its first response's remaining time is calendar time, the dispatch's business time
    assert "(calendar time)" in page and "(business time)" in page


def test_customers_never_see_internal_clocks_or_desk_words(client, ui, make_org, make_contact):
    # given a freistilbox standard ticket: dispatch is internal (policy internal_clocks)
    org = make_org("freistilbox", plan="standard", name="Webwerk")
    contact = make_contact(org, login=True)
    ticket = services.open_ticket(
        organization=org,
        requester=contact,
        subject="mail bounces",
        description="x",
        priority="normal",
    )
    now = ui.now.at
    # when the customer's view of the clocks is built
    rows = customer_clocks(selectors.clock_statuses(ticket, now), now)
    # then the dispatch clock is not there and the reply is promised in plain words
    assert [r.metric for r in rows] == ["first_response"]
    assert rows[0].text == "We will reply by"
    # and the portal page says the same
    client.force_login(contact.user)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "We will reply by" in page
    assert "Dispatch" not in page and "dispatch" not in page
    # and after a solve, no "cancelled"/"met" jargon
    services.solve(ticket, actor=ui.agent)
    page = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "cancelled" not in page.lower() and "met late" not in page.lower()


def test_the_api_leaves_internal_clocks_out_for_contacts_only(
    ui, make_org, make_contact, client_for
):
    org = make_org("freistilbox", plan="standard", name="Webwerk")
    contact = make_contact(org, login=True)
    ticket = services.open_ticket(
        organization=org, requester=contact, subject="x", description="x", priority="normal"
    )
    mine = client_for(contact.user).get(f"/api/v1/tickets/{ticket.pk}/").json()
    theirs = client_for(ui.agent).get(f"/api/v1/tickets/{ticket.pk}/").json()
    assert [c["metric"] for c in mine["sla"]] == ["first_response"]
    assert {c["metric"] for c in theirs["sla"]} == {"first_response", "dispatch"}
    listed = client_for(contact.user).get("/api/v1/tickets/").json()
    assert [c["metric"] for t in listed["results"] for c in t["sla"]] == ["first_response"]


def test_the_timeline_names_teams_and_people_not_ids(client, ui):
    # given the ticket assigned to a team and an agent
    services.assign(ui.acme_ticket, team=ui.team, assignee=ui.agent, actor=ui.agent)
    # when an agent opens it
    client.force_login(ui.agent)
    page = client.get(f"/desk/tickets/{ui.acme_ticket.pk}/").content.decode()
    # then the timeline says who, by name
    assert f"assigned team {ui.team.name}, assignee Alice" in page
    assert f"team #{ui.team.pk}" not in page
