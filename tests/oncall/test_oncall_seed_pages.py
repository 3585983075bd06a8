"""The seeds' paging rules at the edges: a priority raised to a paging one, the undispatched
rule across a weekend (docs/seed-audit.md)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sladesk.notify.models import Page
from sladesk.oncall.models import PageEscalation
from sladesk.tickets import services
from sladesk.tickets.models import ClockState, SlaClock
from support.clock import T
from support.oncall import make_ticket
from support.timers import drain

pytestmark = pytest.mark.django_db


def _sre_policy(desk, name: str):
    sre = desk.schedule("sre", "pia")
    return desk.policy(name, {"kind": "schedule", "schedule": sre.pk, "wait_minutes": 5})


def test_houseware_ticket_the_team_raises_to_p0_pages_the_sre_rotation(oncall_desk):
    desk = oncall_desk
    # given Houseware's SRE escalation policy; the customer cannot set priority, so every
    # customer ticket opens at P2 ("the Customer Happiness team determines the priority")
    _sre_policy(desk, "houseware-sre")
    desk.clock.set(T("2026-12-05T03:00:00+00:00"))
    ticket = make_ticket(desk, "houseware", priority="P0", actor=None, set_by="customer")
    assert ticket.priority == "P2" and not Page.objects.filter(ticket=ticket).exists()
    # when the team finds production down and raises it to P0
    desk.clock.set(T("2026-12-05T03:20:00+00:00"))
    services.change_priority(ticket, priority="P0", actor=desk.agent, reason="all blocked")
    # then "24/7 SRE support for critical (P0) issues": the SRE rotation is paged, as for a
    # P0 opened as such (the created_urgent escalation policy)
    page = Page.objects.get(ticket=ticket)
    assert page.created_at == T("2026-12-05T03:20:00+00:00") and "P0" in page.reason
    assert PageEscalation.objects.get(page=page).event == "created_urgent"
    # and lowering it and raising it again while the page is open does not page twice
    services.change_priority(ticket, priority="P1", actor=desk.agent, reason="workaround")
    services.change_priority(ticket, priority="P0", actor=desk.agent, reason="down again")
    assert Page.objects.filter(ticket=ticket).count() == 1


def test_particle_p3_raised_to_p1_after_its_response_breached_pages_on_call(oncall_desk):
    desk = oncall_desk
    _sre_policy(desk, "particle-p1")
    # given a North American P3 opened Mon 7 Dec 2026 09:00 PST, unanswered past its
    # 2 business days (16 h: breached Tue 8 Dec 17:00)
    desk.clock.set(T("2026-12-07T09:00:00-08:00"))
    ticket = make_ticket(desk, "particle-enterprise", region="na", priority="P3")
    desk.clock.set(T("2026-12-09T10:00:00-08:00"))
    drain(desk.clock.at)
    # when the customer's fleet goes down and the agent raises it to P1
    services.change_priority(ticket, priority="P1", actor=desk.agent, reason="fleet down")
    # then "a P1 request results in an immediate notification to the on-call support
    # resource", and the first response stays breached at its P3 due instant
    page = Page.objects.get(ticket=ticket)
    assert PageEscalation.objects.get(page=page).event == "created_urgent"
    first = SlaClock.objects.get(ticket=ticket, metric="first_response")
    assert (first.state, first.breached_at) == (
        ClockState.BREACHED,
        T("2026-12-08T17:00:00-08:00"),
    )
    # when the agent answers, the page resolves (the late response is the page's promise)
    services.reply(ticket, author=desk.agent, body="On it")
    page.refresh_from_db()
    assert page.state == "resolved"


def test_lowering_to_a_non_paging_priority_never_pages(oncall_desk):
    desk = oncall_desk
    desk.clock.set(T("2026-12-07T09:00:00-08:00"))
    ticket = make_ticket(desk, "particle-enterprise", region="na", priority="P3")
    services.change_priority(ticket, priority="P4", actor=desk.agent, reason="a question")
    services.change_priority(ticket, priority="P2", actor=desk.agent, reason="degraded")
    assert not Page.objects.filter(ticket=ticket).exists()


def test_freistilbox_friday_evening_ticket_pages_monday_at_08_30_when_undispatched(oncall_desk):
    desk = oncall_desk
    _sre_policy(desk, "freistilbox-oncall")
    # given a 12x5 ticket opened Fri 4 Dec 2026 19:30 CET, inside office hours (no page)
    friday = T("2026-12-04T19:30:00+01:00")
    desk.clock.set(friday)
    ticket = make_ticket(desk, "freistilbox", plan="standard", priority="normal")
    drain(friday)
    assert not Page.objects.filter(ticket=ticket).exists()
    # when nobody dispatches it: 30 min Fri, the weekend, 30 min Mon → Mon 08:30 CET
    drain(T("2026-12-07T08:29:59+01:00"))
    assert not Page.objects.filter(ticket=ticket).exists()
    drain(T("2026-12-07T08:30:00+01:00"))
    # then "the oncall support engineer get a PagerDuty notification"
    page = Page.objects.get(ticket=ticket)
    assert PageEscalation.objects.get(page=page).event == "dispatch_missed"


def test_freistilbox_ticket_dispatched_in_time_never_pages(oncall_desk):
    desk = oncall_desk
    friday = T("2026-12-04T19:30:00+01:00")
    desk.clock.set(friday)
    ticket = make_ticket(desk, "freistilbox", plan="standard", priority="normal")
    desk.clock.set(friday + timedelta(minutes=20))
    services.assign(ticket, assignee=desk.agent, actor=desk.agent)
    drain(T("2026-12-07T12:00:00+01:00"))
    assert not Page.objects.filter(ticket=ticket).exists()
    dispatch = SlaClock.objects.get(ticket=ticket, metric="dispatch")
    assert dispatch.state == ClockState.MET


def test_out_of_hours_mail_confirmed_later_climbs_the_out_of_hours_policy(oncall_desk):
    from sladesk.intake.models import InboundMessage, InboundState
    from sladesk.intake.senders import confirm_sender
    from sladesk.tickets.services import OpenRequest, open_tickets

    desk = oncall_desk
    _sre_policy(desk, "freistilbox-oncall")
    # given a Saturday mail from an unverified sender: the ticket opens without a page
    desk.clock.set(T("2026-12-05T10:00:00+01:00"))
    org = desk.make_org("freistilbox", plan="standard")
    [ticket] = open_tickets(
        [
            OpenRequest(
                organization=org,
                requester=desk.make_contact(org),
                subject="Site slow",
                description="Since this morning",
                channel="email",
                may_page=False,
            )
        ]
    )
    InboundMessage.objects.create(
        raw=b"x", state=InboundState.TICKET, verdict="fail", ticket=ticket, held={}
    )
    assert not Page.objects.filter(ticket=ticket).exists()
    # when an agent confirms the sender ten minutes later
    desk.clock.set(T("2026-12-05T10:10:00+01:00"))
    done = confirm_sender(ticket, desk.agent)
    # then "requests received outside of our office hours are automatically forwarded to an
    # on-call support agent": the page climbs the out_of_hours escalation policy
    assert done.page is not None
    assert PageEscalation.objects.get(page=done.page).event == "out_of_hours"
