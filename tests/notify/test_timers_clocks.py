"""Timers follow the clocks: per seed policy, what fires when, and what moves or cancels it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sladesk.notify.models import OutboxMessage, Page, Timer
from sladesk.tickets import services
from sladesk.tickets.models import SlaClock
from support.clock import T
from support.timers import drain

pytestmark = pytest.mark.django_db


def _timers(ticket, metric):
    clock = SlaClock.objects.get(ticket=ticket, metric=metric)
    return {t.kind: t for t in Timer.objects.filter(clock=clock)}


def test_particle_p1_pages_oncall_in_the_transaction_that_opens_the_ticket(desk):
    # given a Particle Enterprise customer
    org = desk.make_org("particle-enterprise", region="na")
    # when a P1 is opened
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="Fleet down",
        description="All devices offline",
        priority="P1",
    )
    # then a page and its outbox rows exist already (same transaction), and the log says so
    page = Page.objects.get(ticket=ticket)
    assert "P1 pages on-call on creation" in page.reason
    rows = OutboxMessage.objects.filter(page=page).order_by("channel")
    assert [(r.channel, r.destination, r.state) for r in rows] == [
        ("email", f"user:{desk.oncall_user.pk}", "queued"),
        ("pagerduty", f"team:{desk.team.pk}", "queued"),
        ("slack", f"team:{desk.team.pk}", "queued"),
    ]
    assert "R0UTINGKEY" not in str([r.payload for r in rows])  # secrets stay with the team
    assert ticket.events.filter(kind="page", data__action="triggered").count() == 1
    # when the worker runs, PagerDuty gets the exact Events API v2 trigger
    drain(desk.clock.at)
    [request] = desk.pagerduty.requests
    body = request.json()
    assert body["routing_key"] == "R0UTINGKEY0000000000000000000000"
    assert body["event_action"] == "trigger"
    assert body["dedup_key"] == page.key
    assert body["payload"]["severity"] == "critical"
    assert body["payload"]["summary"] == f"P1 ticket #{ticket.pk}: P1 pages on-call on creation"
    assert body["payload"]["custom_details"]["ack_url"].startswith(
        "https://desk.example.com/notify/ack/"
    )
    assert len(desk.slack.requests) == 1 and desk.slack.requests[0].json()["text"].startswith(
        "[CRITICAL]"
    )
    [mail] = desk.smtp.messages
    assert mail.rcpt_tos == ["olga@desk.example"]
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"delivered"}
    assert ticket.events.filter(kind="notify", data__outcome="delivered").count() == 3


def test_particle_p2_does_not_page(desk):
    org = desk.make_org("particle-enterprise", region="na")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="P2",
    )
    assert not Page.objects.filter(ticket=ticket).exists()


def test_freistilbox_dispatch_miss_pages_oncall_after_one_office_hour(desk):
    # given a freistilbox ticket opened Wednesday 10:00 Berlin (office hours)
    desk.clock.set(T("2026-11-25T10:00:00+01:00"))
    org = desk.make_org("freistilbox")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="Site slow",
        description="d",
        priority="normal",
    )
    assert not Page.objects.exists()
    timers = _timers(ticket, "dispatch")
    assert timers["breach"].fire_at == T("2026-11-25T11:00:00+01:00")
    assert timers["warning"].fire_at == T("2026-11-25T10:45:00+01:00")
    # when the worker runs at 10:59, only the warning has fired (nobody to tell: logged)
    drain(T("2026-11-25T10:59:00+01:00"))
    assert not Page.objects.exists()
    assert (
        ticket.events.get(kind="notify", data__action="warning").data["outcome"]
        == "no recipient configured"
    )
    # when it runs just after 11:00, the dispatch clock breaches and on-call is paged
    desk.clock.set(T("2026-11-25T11:00:01+01:00"))
    drain(desk.clock.at)
    clock = SlaClock.objects.get(ticket=ticket, metric="dispatch")
    assert clock.state == "breached" and clock.breached_at == T("2026-11-25T11:00:00+01:00")
    page = Page.objects.get(ticket=ticket)
    assert page.clock == clock and "dispatch target missed" in page.reason
    assert desk.pagerduty.requests[0].json()["dedup_key"] == page.key
    # when the ticket is dispatched (late), the page resolves: PagerDuty gets resolve, same key
    desk.clock.set(T("2026-11-25T11:20:00+01:00"))
    services.assign(ticket, team=desk.team, actor=desk.agent)
    drain(desk.clock.at)
    page.refresh_from_db()
    assert page.state == "resolved"
    resolve = desk.pagerduty.requests[-1].json()
    assert resolve == {
        "routing_key": "R0UTINGKEY0000000000000000000000",
        "event_action": "resolve",
        "dedup_key": page.key,
    }
    assert not Timer.objects.filter(page=page, state="pending").exists()


def test_freistilbox_out_of_hours_request_pages_on_creation(desk):
    desk.clock.set(T("2026-11-25T22:00:00+01:00"))
    org = desk.make_org("freistilbox")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="low",
    )
    assert "outside office hours" in Page.objects.get(ticket=ticket).reason


def test_esper_next_update_breaches_when_no_update_is_sent(desk):
    # given an Esper Sev2 premium ticket answered by its assignee (next_update: 4 business hours)
    desk.clock.set(T("2026-11-24T10:00:00-08:00"))
    org = desk.make_org("esper", plan="premium")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="MDM sync",
        description="d",
        priority="Sev2",
    )
    services.assign(ticket, team=desk.team, assignee=desk.agent, actor=desk.agent)
    services.reply(ticket, author=desk.agent, body="Looking")
    clock = SlaClock.objects.get(ticket=ticket, metric="next_update")
    breach = _timers(ticket, "next_update")["breach"]
    scheduled = breach.generation
    assert breach.fire_at == clock.due_at
    # when no update is sent before the due instant and the worker runs
    desk.clock.set(clock.due_at + timedelta(seconds=1))
    drain(desk.clock.at)
    # then the clock breached at its due instant and assignee, team and account team are told
    clock.refresh_from_db()
    assert clock.state == "breached" and clock.breached_at == breach.fire_at
    breach.refresh_from_db()
    assert breach.state == "fired" and not breach.late
    rows = OutboxMessage.objects.filter(ticket=ticket, purpose="breach")
    assert {(r.channel, r.destination) for r in rows} == {
        ("email", f"user:{desk.agent.pk}"),
        ("slack", f"team:{desk.team.pk}"),
    }
    key = f"timer:{breach.pk}:{scheduled}:breach:email:user:{desk.agent.pk}"
    assert rows.get(channel="email").idempotency_key == key
    [mail] = [m for m in desk.smtp.messages if "breached" in m.message["Subject"]]
    assert mail.rcpt_tos == ["alice@desk.example"]
    assert mail.message["Subject"] == f"[ERROR] Sev2 ticket #{ticket.pk} breached next update"
    assert mail.message["X-Sladesk-Idempotency-Key"] == key


def test_an_update_moves_the_next_update_timer(desk):
    desk.clock.set(T("2026-11-24T10:00:00-08:00"))
    org = desk.make_org("esper", plan="premium")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="Sev2",
    )
    services.reply(ticket, author=desk.agent, body="Looking")
    first = _timers(ticket, "next_update")["breach"].fire_at
    desk.clock.set(T("2026-11-24T12:00:00-08:00"))
    services.reply(ticket, author=desk.agent, body="Update")
    moved = _timers(ticket, "next_update")["breach"]
    assert moved.fire_at > first and moved.state == "pending"
    drain(first + timedelta(seconds=1))
    assert not ticket.events.filter(kind="notify", data__action="breach").exists()


def test_pending_cancels_the_timers_and_resume_moves_them_by_the_pause(desk):
    # given a Particle P2 ticket (first response 4 business hours on na)
    desk.clock.set(T("2026-11-24T09:00:00-08:00"))
    org = desk.make_org("particle-enterprise", region="na")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="P2",
    )
    before = _timers(ticket, "resolution")["breach"].fire_at
    # when it waits on the customer for two hours
    desk.clock.set(T("2026-11-24T10:00:00-08:00"))
    services.set_pending(ticket, actor=desk.agent)
    assert _timers(ticket, "resolution")["breach"].state == "cancelled"
    desk.clock.set(T("2026-11-24T12:00:00-08:00"))
    services.resume(ticket, actor=desk.agent)
    # then the resolution timer is pending again, later by the paused business time
    after = _timers(ticket, "resolution")["breach"]
    clock = SlaClock.objects.get(ticket=ticket, metric="resolution")
    assert after.state == "pending" and after.fire_at == clock.due_at > before
    assert after.generation == clock.generation


def test_priority_change_moves_the_timers(desk):
    desk.clock.set(T("2026-11-24T09:00:00-08:00"))
    org = desk.make_org("particle-enterprise", region="na")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="P3",
    )
    before = _timers(ticket, "first_response")["breach"].fire_at
    services.change_priority(ticket, priority="P2", actor=desk.agent, reason="more devices")
    after = _timers(ticket, "first_response")["breach"]
    clock = SlaClock.objects.get(ticket=ticket, metric="first_response")
    assert after.fire_at == clock.due_at < before
    assert after.generation == clock.generation


def test_meeting_a_clock_cancels_its_timers(desk):
    org = desk.make_org("particle-enterprise", region="na")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="P2",
    )
    services.reply(ticket, author=desk.agent, body="Hi")
    assert {t.state for t in _timers(ticket, "first_response").values()} == {"cancelled"}


def test_a_stale_timer_is_cancelled_not_fired(desk):
    org = desk.make_org("particle-enterprise", region="na")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="P2",
    )
    timer = _timers(ticket, "first_response")["breach"]
    Timer.objects.filter(pk=timer.pk).update(generation=timer.generation - 1)  # a missed move
    drain(timer.fire_at + timedelta(seconds=1))
    assert (
        not ticket.events.filter(
            kind="notify", data__action="breach", data__timer=timer.pk, data__outcome="queued"
        )
        .filter(at__lt=timer.fire_at)
        .exists()
    )
    timer.refresh_from_db()
    # re-planned from the clock and fired on the next pass with the clock's generation
    assert timer.state == "fired"


def test_a_row_written_at_now_is_due_on_the_database_clock_at_once():
    from sladesk.core.database import db_now
    from sladesk.core.time import now

    # given instants the services write (``now()``, microseconds)
    # when the workers read the database clock right after each
    late = [
        (written, read)
        for written, read in ((now(), db_now()) for _ in range(300))
        if read < written
    ]
    # then none of them is in the database clock's future (SQLite's strftime had only
    # milliseconds: a row queued in the same millisecond was not due yet)
    assert late == []
