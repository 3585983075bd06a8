"""Pages repeat until acknowledged (link, API); missed timers fire once, late, in order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sladesk.notify.models import OutboxMessage, Page, Timer
from sladesk.notify.pages import ack_token
from sladesk.tickets import services
from sladesk.tickets.models import SlaClock
from support.clock import T
from support.timers import drain

pytestmark = pytest.mark.django_db


def _p1(desk):
    org = desk.make_org("particle-enterprise", region="na")
    return services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="Fleet down",
        description="All devices offline",
        priority="P1",
    )


def test_a_page_repeats_every_interval_until_acknowledged_by_link(desk, client):
    # given a P1 page (repeats every 15 minutes by default)
    ticket = _p1(desk)
    page = Page.objects.get(ticket=ticket)
    drain(desk.clock.at)
    # when 15 minutes pass without an acknowledgement, on-call is paged again
    drain(desk.clock.at + timedelta(minutes=15, seconds=1))
    page.refresh_from_db()
    assert page.repeats == 1
    assert len(desk.slack.requests) == 2 and "[repeat 1]" in desk.slack.requests[1].json()["text"]
    # the PagerDuty repeat carries the same dedup_key (one incident)
    assert {r.json()["dedup_key"] for r in desk.pagerduty.requests} == {page.key}
    # when someone opens the signed link: GET shows, POST acknowledges
    url = f"/notify/ack/{ack_token(page)}/"
    assert client.get(url).status_code == 200
    page.refresh_from_db()
    assert page.state == "triggered"  # a GET (mail scanners) changes nothing
    response = client.post(url)
    assert response.status_code == 200 and b"acknowledged" in response.content
    page.refresh_from_db()
    assert (page.state, page.acknowledged_via) == ("acknowledged", "link")
    # then PagerDuty gets acknowledge with the page key, and the repeats stop
    drain(desk.clock.at + timedelta(minutes=16))
    assert desk.pagerduty.requests[-1].json() == {
        "routing_key": "R0UTINGKEY0000000000000000000000",
        "event_action": "acknowledge",
        "dedup_key": page.key,
    }
    drain(desk.clock.at + timedelta(hours=2))
    assert len(desk.slack.requests) == 2
    assert not Timer.objects.filter(page=page, state="pending").exists()
    assert ticket.events.filter(kind="page", data__action="acknowledged", data__via="link").exists()


def test_a_bad_ack_link_is_404(desk, client):
    assert client.get("/notify/ack/not-a-token/").status_code == 404


def test_acknowledge_through_the_api_then_resolve_when_the_clock_is_met(desk):
    from rest_framework.test import APIClient

    ticket = _p1(desk)
    page = Page.objects.get(ticket=ticket)
    api = APIClient()
    api.force_authenticate(desk.agent)
    response = api.post(f"/api/v1/pages/{page.pk}/ack/", format="json")
    assert response.status_code == 200 and response.json()["state"] == "acknowledged"
    assert api.post(f"/api/v1/pages/{page.pk}/ack/").status_code == 200  # idempotent
    assert ticket.events.filter(kind="page", data__action="acknowledged").count() == 1
    # when the agent answers, the first response clock is met and the page resolves
    services.reply(ticket, author=desk.agent, body="On it")
    page.refresh_from_db()
    assert page.state == "resolved"
    drain(desk.clock.at)
    actions = [r.json()["event_action"] for r in desk.pagerduty.requests]
    assert actions == [
        "trigger",
        "acknowledge",
        "resolve",
    ]  # queued in that order, sent in that order
    assert {r.json()["dedup_key"] for r in desk.pagerduty.requests} == {page.key}


def test_missed_timers_fire_once_in_order_marked_late_after_downtime(desk):
    # given three tickets whose first-response timers all passed while no worker ran
    desk.clock.set(T("2026-11-24T09:00:00-08:00"))
    org = desk.make_org("particle-enterprise", region="na")
    requester = desk.make_contact(org)
    tickets = [
        services.open_ticket(
            organization=org, requester=requester, subject=p, description="d", priority=p
        )
        for p in ("P2", "P3", "P4")
    ]
    for ticket in tickets:
        services.assign(ticket, team=desk.team, actor=desk.agent)
    clocks = SlaClock.objects.filter(ticket__in=tickets, metric="first_response")
    latest = max(c.due_at for c in clocks)
    # when the worker starts a day later
    restart = latest + timedelta(days=1)
    drain(restart)
    drain(restart + timedelta(seconds=5))  # and runs again: nothing more
    # then each warning and breach fired exactly once, late, in fire_at order
    fired = list(Timer.objects.filter(clock__in=clocks).order_by("fired_at", "id"))
    assert fired and all(t.state == "fired" and t.late for t in fired)
    breaches = OutboxMessage.objects.filter(ticket__in=tickets, purpose="breach")
    assert breaches.count() == breaches.values("idempotency_key").distinct().count()
    events = [
        e
        for t in tickets
        for e in t.events.filter(
            kind="notify", data__outcome="queued", data__metric="first_response"
        )
    ]
    assert sorted(e.data["action"] for e in events) == ["breach"] * 3 + ["warning"] * 3
    order = [(e.data["timer"]) for e in sorted(events, key=lambda e: e.pk)]
    fire_ats = [Timer.objects.get(pk=pk).fire_at for pk in order]
    assert fire_ats == sorted(fire_ats)
    for clock in clocks:
        clock.refresh_from_db()
        assert clock.state == "breached" and clock.breached_at < restart


def test_health_and_metrics_report_overdue_timers_and_queued_outbox(desk, client, settings):
    from sladesk.core.database import db_now

    assert client.get("/health/").json()["status"] == "ok"
    desk.clock.set(db_now())  # the ticket's own timers are not overdue on the database clock
    org = desk.make_org("particle-enterprise", region="na")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="P1",
    )
    # make one timer overdue by a minute on the database clock (and the others not yet due:
    # the frozen test clock may be days behind the database's)
    Timer.objects.filter(ticket=ticket).update(fire_at=db_now() + timedelta(hours=1))
    Timer.objects.filter(ticket=ticket, kind="breach", clock__metric="first_response").update(
        fire_at=db_now() - timedelta(minutes=1)
    )
    OutboxMessage.objects.filter(ticket=ticket).update(created_at=db_now() - timedelta(minutes=10))
    response = client.get("/health/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["timers"]["oldest_overdue_seconds"] >= 60 and body["timers"]["overdue"] == 1
    assert body["outbox"]["oldest_queued_seconds"] >= 600 and body["outbox"]["queued"] == 3
    text = client.get("/metrics").content.decode()
    assert "# TYPE sladesk_timer_oldest_overdue_seconds gauge" in text
    assert 'sladesk_outbox_messages{state="queued"} 3' in text
    assert "sladesk_health_ok 0" in text


def test_prune_deletes_old_delivered_rows_and_finished_timers_only(desk):
    from django.core.management import call_command

    from sladesk.core.database import db_now

    ticket = _p1(desk)
    drain(desk.clock.at)
    services.reply(ticket, author=desk.agent, body="Hi")  # first response met: timers cancelled
    old = db_now() - timedelta(days=40)
    OutboxMessage.objects.update(delivered_at=old)
    Timer.objects.exclude(state="pending").update(updated_at=old)
    open_clock_timers = Timer.objects.filter(clock__state="running").count()
    call_command("notify_prune", days=30)
    assert not OutboxMessage.objects.filter(state="delivered").exists()
    assert Timer.objects.filter(clock__state="running").count() == open_clock_timers
    assert not Timer.objects.filter(clock__state="met").exists()
