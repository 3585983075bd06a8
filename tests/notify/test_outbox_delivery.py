"""The outbox against real loopback receivers: payloads, retries, dead letters, dedup."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sladesk.notify import outbox
from sladesk.notify.models import OutboxMessage, Page
from sladesk.tickets import services
from support.receivers import HttpReply
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


def test_slack_429_then_500_then_ok_is_delivered_on_the_third_attempt(desk):

    # given Slack answers 429 (Retry-After 30), then 500, then 200 ok
    desk.slack.replies.extend(
        [HttpReply(429, "rate_limited", {"Retry-After": "30"}), HttpReply(500, "oops")]
    )
    ticket = _p1(desk)
    row = OutboxMessage.objects.get(ticket=ticket, channel="slack")
    start = desk.clock.at
    # when the worker runs: the 429 is honoured (not before 30 s)
    outbox.deliver_due(now=start)
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_status) == ("retry", 1, 429)
    assert row.next_attempt_at >= start + timedelta(seconds=30)
    assert outbox.deliver_due(now=start + timedelta(seconds=29)) == 0
    # then 500 → retry with backoff, then 200 ok → delivered
    outbox.deliver_due(now=start + timedelta(seconds=30))
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_status) == ("retry", 2, 500)
    outbox.deliver_due(now=start + timedelta(minutes=5))
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_status) == ("delivered", 3, 200)
    # the three requests carried the same exact payload
    bodies = [r.json() for r in desk.slack.requests]
    assert len(bodies) == 3 and bodies[0] == bodies[1] == bodies[2]
    assert bodies[0]["text"] == (
        f"[CRITICAL] P1 ticket #{ticket.pk}: P1 pages on-call on creation "
        f"https://desk.example.com/desk/tickets/{ticket.pk}/"
    )
    assert bodies[0]["blocks"][1]["elements"][0]["url"].endswith(f"/desk/tickets/{ticket.pk}/")
    assert (
        ticket.events.filter(
            kind="notify", data__outcome="delivered", data__channel="slack"
        ).count()
        == 1
    )


def test_pagerduty_500_then_202_retries_with_the_same_dedup_key(desk):

    desk.pagerduty.replies.append(HttpReply(500, "{}"))
    ticket = _p1(desk)
    outbox.deliver_due(now=desk.clock.at)
    outbox.deliver_due(now=desk.clock.at + timedelta(minutes=1))
    page = Page.objects.get(ticket=ticket)
    keys = [r.json()["dedup_key"] for r in desk.pagerduty.requests]
    assert keys == [page.key, page.key]
    assert OutboxMessage.objects.get(ticket=ticket, channel="pagerduty").state == "delivered"


def test_pagerduty_400_is_dead_at_once_and_the_admin_can_retry_it(desk, admin_client):

    desk.pagerduty.replies.append(
        HttpReply(400, '{"status":"invalid event","message":"Event object is invalid"}')
    )
    ticket = _p1(desk)
    drain(desk.clock.at)
    row = OutboxMessage.objects.get(ticket=ticket, channel="pagerduty")
    assert (row.state, row.attempts, row.last_status) == ("dead", 1, 400)
    assert "permanent failure" in row.last_error and "R0UTINGKEY" not in row.last_error
    assert ticket.events.filter(kind="notify", data__outcome="dead").count() == 1
    # when an admin retries it from the outbox list
    response = admin_client.post(
        "/admin/notify/outboxmessage/", {"action": "retry_dead", "_selected_action": [row.pk]}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("queued", 0)
    drain(row.next_attempt_at)
    row.refresh_from_db()
    assert row.state == "delivered"
    assert admin_client.get("/admin/notify/outboxmessage/").status_code == 200
    assert admin_client.get("/admin/notify/timer/").status_code == 200


def test_a_transient_failure_is_dead_after_max_attempts(desk, settings):

    settings.SLADESK_NOTIFY = {**settings.SLADESK_NOTIFY, "max_attempts": 3}
    desk.slack.default = HttpReply(503, "busy")
    ticket = _p1(desk)
    at = desk.clock.at
    for _ in range(3):
        outbox.deliver_due(now=at)
        at += timedelta(hours=1)
    row = OutboxMessage.objects.get(ticket=ticket, channel="slack")
    assert (row.state, row.attempts) == ("dead", 3)
    assert row.last_error.startswith("gave up after 3 attempts (status 503)")


def test_a_claim_whose_lease_expired_is_taken_again_and_its_late_result_ignored(desk):
    ticket = _p1(desk)
    row = OutboxMessage.objects.get(ticket=ticket, channel="slack")
    # given a worker claimed the row and died (attempt 1 never recorded)
    [claimed] = [r for r in outbox._claim(10, desk.clock.at) if r.pk == row.pk] or [None]
    assert claimed is not None and claimed.attempts == 1
    assert outbox.deliver_due(now=desk.clock.at + timedelta(seconds=59)) == 0  # lease holds
    # when the lease has run out, another pass claims and delivers it
    outbox.deliver_due(now=desk.clock.at + timedelta(seconds=61))
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("delivered", 2)
    # and the dead worker's result, if it came back now, changes nothing
    from sladesk.notify import DeliveryResult

    assert (
        outbox._record(
            [(claimed, DeliveryResult.failed(400, "late"))], desk.clock.at + timedelta(seconds=62)
        )
        == 0
    )
    row.refresh_from_db()
    assert row.state == "delivered"


def test_the_same_event_queues_each_notification_once(desk):
    ticket = _p1(desk)
    row = OutboxMessage.objects.get(ticket=ticket, channel="slack")
    copy = OutboxMessage(
        idempotency_key=row.idempotency_key,
        channel="slack",
        destination=row.destination,
        payload=row.payload,
        next_attempt_at=desk.clock.at,
    )
    outbox.enqueue([copy])
    assert OutboxMessage.objects.filter(idempotency_key=row.idempotency_key).count() == 1


def test_a_destination_without_configuration_is_a_permanent_failure(desk):
    ticket = _p1(desk)
    desk.team.slack_webhook_url = ""
    desk.team.save()
    drain(desk.clock.at)
    row = OutboxMessage.objects.get(ticket=ticket, channel="slack")
    assert row.state == "dead" and "has no slack configured" in row.last_error
