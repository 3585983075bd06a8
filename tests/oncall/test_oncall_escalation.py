"""Pages climb escalation policies on real timers to loopback receivers (the seeds' paging)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sladesk.notify.models import Page, Timer
from sladesk.notify.pages import acknowledge_page
from sladesk.oncall.models import NotificationRule, PageEscalation
from sladesk.oncall.services.schedules import oncall_users
from support.clock import T
from support.oncall import emails_to, make_ticket
from support.timers import drain

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
    NotificationRule.objects.create(
        user=desk.primary, channel="slack", address=desk.personal.url("/pia")
    )
    desk.clock.set(SATURDAY_3AM)
    # when a P1 is opened at 03:00 on a Saturday
    ticket = make_ticket(desk, "particle-enterprise", region="na", priority="P1")
    page = Page.objects.get(ticket=ticket)
    drain(SATURDAY_3AM)
    # then the primary is paged (their Slack rule), not the secondary, not the team's targets
    assert (
        len(desk.personal.requests) == 1
        and f"#{ticket.pk}" in desk.personal.requests[0].json()["text"]
    )
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
    steps = list(
        ticket.events.filter(kind="page", data__action="step").values_list(
            "data__target", flat=True
        )
    )
    assert steps == ["schedule primary", "schedule secondary"]


def test_an_empty_schedule_is_skipped_at_once_and_marked_nobody_on_call(oncall_desk):
    desk = oncall_desk
    # given a first step whose schedule has nobody yet (hand-off next year), then a user
    empty = desk.schedule("later", "pia", handoff="2027-01-04T09:00")
    desk.policy(
        "particle-p1",
        {"kind": "schedule", "schedule": empty.pk, "wait_minutes": 30},
        {"kind": "user", "user": "sam", "wait_minutes": 5},
    )
    desk.clock.set(SATURDAY_3AM)
    # when a P1 opens
    ticket = make_ticket(desk, "particle-enterprise", region="na", priority="P1")
    drain(SATURDAY_3AM)
    # then the second step runs at once, and the page says nobody was on call
    assert len(emails_to(desk, "sam@desk.example")) == 1
    esc = PageEscalation.objects.get(page__ticket=ticket)
    assert esc.nobody is True
    assert ticket.events.filter(
        kind="page", data__action="step_skipped", data__outcome="nobody on call"
    ).exists()


def test_personal_rules_sms_after_five_minutes_unless_acknowledged(oncall_desk):
    desk = oncall_desk
    # given pia's rules: e-mail now, SMS after 5 minutes, a call after 10
    desk.policy("particle-p1", {"kind": "user", "user": "pia", "wait_minutes": 30})
    NotificationRule.objects.create(user=desk.primary, channel="email")
    NotificationRule.objects.create(
        user=desk.primary, channel="sms", address="+4915550001", delay_minutes=5
    )
    NotificationRule.objects.create(
        user=desk.primary, channel="voice", address="+4915550001", delay_minutes=10
    )
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


TUESDAY_10AM = T("2026-03-24T10:00:00+01:00")  # inside freistilbox's office hours (08-20 Berlin)


def test_freistilbox_ticket_undispatched_for_one_office_hour_pages_the_oncall_engineer(oncall_desk):
    desk = oncall_desk
    # given freistilbox's on-call engineer rotation and its escalation policy
    engineers = desk.schedule(
        "engineers", "pia", "sam"
    )  # pia's week: from 2026-03-23 09:00 on odd weeks
    desk.policy(
        "freistilbox-oncall", {"kind": "schedule", "schedule": engineers.pk, "wait_minutes": 10}
    )
    who = [u.username for u in oncall_users(engineers, TUESDAY_10AM)]
    desk.clock.set(TUESDAY_10AM)
    # when a normal ticket opens in office hours and nobody dispatches it
    ticket = make_ticket(desk, "freistilbox", subject="Deploy question")
    drain(TUESDAY_10AM)
    assert not Page.objects.filter(ticket=ticket).exists()  # no page on creation
    drain(TUESDAY_10AM + timedelta(minutes=59))
    assert not Page.objects.filter(ticket=ticket).exists()
    drain(TUESDAY_10AM + timedelta(hours=1))
    # then the dispatch miss pages whoever is the on-call engineer right now
    page = Page.objects.get(ticket=ticket)
    assert PageEscalation.objects.get(page=page).event == "dispatch_missed"
    assert who and len(emails_to(desk, f"{who[0]}@desk.example")) == 1


def _pd_event(kind, key):
    import json

    return json.dumps(
        {
            "event": {
                "id": "01DEN",
                "event_type": kind,
                "resource_type": "incident",
                "agent": {"summary": "Pia Primary", "type": "user_reference"},
                "data": {
                    "id": "PGR0VU2",
                    "type": "incident",
                    "status": "acknowledged",
                    "incident_key": key,
                    "title": "P1 ticket",
                },
            }
        }
    ).encode()


def test_a_pagerduty_acknowledgement_webhook_stops_the_steps(oncall_desk, client):
    from sladesk.oncall.pagerduty import signature

    desk = oncall_desk
    # given a P1 that pages PagerDuty (the team's channel) and then the secondary after 5 minutes
    desk.policy(
        "particle-p1",
        {"kind": "channel", "team": desk.team.pk, "channel": "pagerduty", "wait_minutes": 5},
        {"kind": "user", "user": "sam", "wait_minutes": 5},
    )
    desk.clock.set(SATURDAY_3AM)
    ticket = make_ticket(desk, "particle-enterprise", region="na", priority="P1")
    page = Page.objects.get(ticket=ticket)
    drain(SATURDAY_3AM)
    [trigger] = desk.pagerduty.requests
    assert trigger.json()["dedup_key"] == page.key
    body = _pd_event("incident.acknowledged", page.key)
    # when a forged webhook arrives it changes nothing
    forged = client.post(
        "/oncall/pagerduty/webhook/",
        body,
        content_type="application/json",
        HTTP_X_PAGERDUTY_SIGNATURE=signature("wrong", body),
    )
    assert forged.status_code == 401
    page.refresh_from_db()
    assert page.state == "triggered"
    # when PagerDuty's signed v3 webhook says the incident was acknowledged
    response = client.post(
        "/oncall/pagerduty/webhook/",
        body,
        content_type="application/json",
        HTTP_X_PAGERDUTY_SIGNATURE=f"v1=00,{signature('pd-secret', body)}",
    )
    assert response.status_code == 200 and response.json()["outcome"] == "acknowledged"
    page.refresh_from_db()
    assert (page.state, page.acknowledged_via) == ("acknowledged", "pagerduty")
    # then sladesk's next step never runs
    drain(SATURDAY_3AM + timedelta(hours=1))
    assert emails_to(desk, "sam@desk.example") == []
    # and a resolve from PagerDuty resolves the page
    body = _pd_event("incident.resolved", page.key)
    response = client.post(
        "/oncall/pagerduty/webhook/",
        body,
        content_type="application/json",
        HTTP_X_PAGERDUTY_SIGNATURE=signature("pd-secret", body),
    )
    page.refresh_from_db()
    assert response.status_code == 200 and page.state == "resolved"


def test_the_pagerduty_webhook_ignores_other_incidents_and_refuses_garbage(oncall_desk, client):
    from sladesk.oncall.pagerduty import signature

    body = _pd_event("incident.acknowledged", "not-ours")
    ok = client.post(
        "/oncall/pagerduty/webhook/",
        body,
        content_type="application/json",
        HTTP_X_PAGERDUTY_SIGNATURE=signature("pd-secret", body),
    )
    assert ok.status_code == 202
    garbage = b"{not json"
    bad = client.post(
        "/oncall/pagerduty/webhook/",
        garbage,
        content_type="application/json",
        HTTP_X_PAGERDUTY_SIGNATURE=signature("pd-secret", garbage),
    )
    assert bad.status_code == 400
    assert (
        client.post("/oncall/pagerduty/webhook/", body, content_type="application/json").status_code
        == 401
    )


def test_acknowledge_and_resolve_through_the_api(oncall_desk):
    from rest_framework.test import APIClient

    desk = oncall_desk
    desk.policy(
        "particle-p1",
        {"kind": "user", "user": "pia", "wait_minutes": 5},
        {"kind": "user", "user": "sam", "wait_minutes": 5},
    )
    desk.clock.set(SATURDAY_3AM)
    ticket = make_ticket(desk, "particle-enterprise", region="na", priority="P1")
    page = Page.objects.get(ticket=ticket)
    assert APIClient().post(f"/api/v1/pages/{page.pk}/acknowledge/").status_code in (401, 403)
    api = APIClient()
    api.force_authenticate(desk.primary)
    # when pia acknowledges through the API (twice: idempotent)
    assert api.post(f"/api/v1/pages/{page.pk}/acknowledge/").json()["state"] == "acknowledged"
    assert api.post(f"/api/v1/pages/{page.pk}/acknowledge/").json()["state"] == "acknowledged"
    # then sam is never paged; resolving closes the page
    drain(SATURDAY_3AM + timedelta(minutes=30))
    assert emails_to(desk, "sam@desk.example") == []
    assert api.post(f"/api/v1/pages/{page.pk}/resolve/").json()["state"] == "resolved"
    assert api.post("/api/v1/pages/999999/resolve/").status_code == 404
    assert (
        ticket.events.filter(kind="page", data__action="acknowledged", data__via="api").count() == 1
    )


def _reply(sender: str, subject: str, headers: dict | None = None, verified: bool = True) -> int:
    """A reply as the company MTA delivers it: ``verified`` mail carries its DMARC pass
    (the test settings trust mx.support.example.com); a forged one carries nothing."""
    if verified:
        domain = sender.rpartition("@")[2].rstrip(">")
        headers = {
            "Authentication-Results": f"mx.support.example.com; dmarc=pass header.from={domain}",
            **(headers or {}),
        }
    from email.message import EmailMessage
    from email.policy import SMTP

    from sladesk.intake import pipeline
    from sladesk.intake.store import store_raw

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "sladesk@desk.example.com", f"Re: {subject}"
    msg["Message-ID"] = f"<{abs(hash((sender, subject, str(headers))))}@desk.example>"
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content("ack, on it\n\n> the page")
    row = store_raw(
        msg.as_bytes(policy=SMTP), envelope_from=sender, envelope_to=["sladesk@desk.example.com"]
    )
    pipeline.process(row.pk)
    return row.pk


def test_an_agent_acknowledges_by_replying_to_the_page_email(oncall_desk):
    from sladesk.intake.models import InboundMessage

    desk = oncall_desk
    desk.policy(
        "particle-p1",
        {"kind": "user", "user": "pia", "wait_minutes": 5},
        {"kind": "user", "user": "sam", "wait_minutes": 5},
    )
    desk.clock.set(SATURDAY_3AM)
    ticket = make_ticket(desk, "particle-enterprise", region="na", priority="P1")
    page = Page.objects.get(ticket=ticket)
    drain(SATURDAY_3AM)
    [mail] = emails_to(desk, "pia@desk.example")
    subject = str(mail.message["Subject"])
    assert f"[ack {page.key}]" in subject
    # an out-of-office answer and a stranger's reply acknowledge nothing
    _reply("pia@desk.example", subject, {"Auto-Submitted": "auto-replied"})
    _reply("someone@else.example", subject)
    # and neither does a forged mail in pia's name (issue 13: unverified mail acknowledges nothing)
    _reply("Pia <pia@desk.example>", subject, {"X-Forged": "1"}, verified=False)
    page.refresh_from_db()
    assert page.state == "triggered"
    # when pia replies to the page e-mail
    row = _reply("Pia <pia@desk.example>", subject)
    page.refresh_from_db()
    assert (page.state, page.acknowledged_via, page.acknowledged_by) == (
        "acknowledged",
        "email",
        desk.primary,
    )
    assert "acknowledges page" in InboundMessage.objects.get(pk=row).reason
    # then the next step never runs
    drain(SATURDAY_3AM + timedelta(minutes=30))
    assert emails_to(desk, "sam@desk.example") == []
