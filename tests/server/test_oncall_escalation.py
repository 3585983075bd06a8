"""Pages climb escalation policies on real timers to loopback receivers (the seeds' paging)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from oncall_support import emails_to, make_ticket
from timer_helpers import T, drain

from sladesk.notify.models import Page, Timer
from sladesk.notify.pages import acknowledge_page
from sladesk.oncall.models import NotificationRule, PageEscalation

pytest_plugins = ["oncall_support"]
pytestmark = pytest.mark.django_db

SATURDAY_3AM = T("2026-03-21T03:00:00+01:00")  # Berlin; Particle pages every P1, any hour


def _particle_p1_policy(desk):
    primary = desk.schedule("primary", "pia")
    secondary = desk.schedule("secondary", "sam")
    return desk.policy(
        "particle-p1",
        {"kind": "schedule", "schedule": primary.pk, "wait_minutes": 5},
        {"kind": "schedule", "schedule": secondary.pk, "wait_minutes": 5},
    )


def test_particle_p1_at_3am_saturday_pages_primary_then_secondary_then_stops_on_ack(oncall_desk):
    desk = oncall_desk
    # given Particle's P1 escalation policy: primary's schedule, 5 minutes, secondary's
    _particle_p1_policy(desk)
    NotificationRule.objects.create(user=desk.primary, channel="slack", address=desk.personal.url("/pia"))
    desk.clock.set(SATURDAY_3AM)
    # when a P1 is opened at 03:00 on a Saturday
    ticket = make_ticket(desk, "particle-enterprise", region="na", priority="P1")
    page = Page.objects.get(ticket=ticket)
    drain(SATURDAY_3AM)
    # then the primary is paged (their Slack rule), not the secondary, not the team's targets
    assert len(desk.personal.requests) == 1 and f"#{ticket.pk}" in desk.personal.requests[0].json()["text"]
    assert emails_to(desk, "sam@desk.example") == [] and desk.pagerduty.requests == []
    assert PageEscalation.objects.get(page=page).snapshot["name"] == "particle-p1"
    # when 5 minutes pass without an acknowledgement
    drain(SATURDAY_3AM + timedelta(minutes=4, seconds=59))
    assert emails_to(desk, "sam@desk.example") == []
    drain(SATURDAY_3AM + timedelta(minutes=5))
    # then the secondary is paged (no rules: e-mail), with the acknowledge link
    [mail] = emails_to(desk, "sam@desk.example")
    assert "/notify/ack/" in mail.message.get_body().get_content()
    # when the secondary acknowledges, the steps stop: nothing more, ever
    acknowledge_page(page, desk.secondary, via="desk")
    drain(SATURDAY_3AM + timedelta(hours=3))
    assert len(desk.personal.requests) == 1 and len(emails_to(desk, "sam@desk.example")) == 1
    assert not Timer.objects.filter(page=page, state="pending").exists()
    steps = list(ticket.events.filter(kind="page", data__action="step").values_list("data__target", flat=True))
    assert steps == ["schedule primary", "schedule secondary"]


def test_an_empty_schedule_is_skipped_at_once_and_marked_nobody_on_call(oncall_desk):
    desk = oncall_desk
    # given a first step whose schedule has nobody yet (hand-off next year), then a user
    empty = desk.schedule("later", "pia", handoff="2027-01-04T09:00")
    desk.policy("particle-p1", {"kind": "schedule", "schedule": empty.pk, "wait_minutes": 30},
                {"kind": "user", "user": "sam", "wait_minutes": 5})
    desk.clock.set(SATURDAY_3AM)
    # when a P1 opens
    ticket = make_ticket(desk, "particle-enterprise", region="na", priority="P1")
    drain(SATURDAY_3AM)
    # then the second step runs at once, and the page says nobody was on call
    assert len(emails_to(desk, "sam@desk.example")) == 1
    esc = PageEscalation.objects.get(page__ticket=ticket)
    assert esc.nobody is True
    assert ticket.events.filter(kind="page", data__action="step_skipped", data__outcome="nobody on call").exists()


def test_personal_rules_sms_after_five_minutes_unless_acknowledged(oncall_desk):
    desk = oncall_desk
    # given pia's rules: e-mail now, SMS after 5 minutes, a call after 10
    desk.policy("particle-p1", {"kind": "user", "user": "pia", "wait_minutes": 30})
    NotificationRule.objects.create(user=desk.primary, channel="email")
    NotificationRule.objects.create(user=desk.primary, channel="sms", address="+4915550001", delay_minutes=5)
    NotificationRule.objects.create(user=desk.primary, channel="voice", address="+4915550001", delay_minutes=10)
    desk.clock.set(SATURDAY_3AM)
    ticket = make_ticket(desk, "particle-enterprise", region="na", priority="P1")
    drain(SATURDAY_3AM)
    assert len(emails_to(desk, "pia@desk.example")) == 1 and desk.twilio.requests == []
    # when 5 minutes pass: the SMS goes through the Twilio-compatible API
    drain(SATURDAY_3AM + timedelta(minutes=5))
    [sms] = desk.twilio.requests
    assert sms.path == "/2010-04-01/Accounts/AC0000/Messages.json"
    assert b"To=%2B4915550001" in sms.body and f"%23{ticket.pk}".encode() in sms.body
    assert sms.headers["authorization"].startswith("Basic ")
    # when pia acknowledges before the call is due, no call is placed
    acknowledge_page(Page.objects.get(ticket=ticket), desk.primary, via="api")
    drain(SATURDAY_3AM + timedelta(minutes=15))
    assert len(desk.twilio.requests) == 1
