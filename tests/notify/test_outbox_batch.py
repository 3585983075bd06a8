"""Delivery in batches: a fixed number of queries per pass, every outcome recorded in one
transaction; the worker's dispatcher: send threads without database connections, keep-alive
connections kept across passes, a slow receiver holding one thread only; and the delivery
loop woken by the commit that queues rows."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.backends.signals import connection_created
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from sladesk.notify import DeliveryResult, outbox
from sladesk.notify.models import OutboxMessage
from sladesk.tickets import services
from support.receivers import HttpReply

pytestmark = pytest.mark.django_db


_orgs = itertools.count(1)


def _p1s(desk, n: int) -> list:
    """``n`` P1 tickets: each queues a page to PagerDuty, Slack and the on-call e-mail."""
    org = desk.make_org("particle-enterprise", region="na", name=f"Fleet {next(_orgs)}")
    requester = desk.make_contact(org)
    return [
        services.open_ticket(
            organization=org,
            requester=requester,
            subject=f"down {i}",
            description="d",
            priority="P1",
        )
        for i in range(n)
    ]


def _pass_queries(at) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        attempted = outbox.deliver_due(now=at)
    return attempted, len(queries)


def test_a_pass_of_thirty_rows_takes_as_many_queries_as_a_pass_of_three(desk, query_count):

    # given one P1 page (3 rows), delivered in one pass
    _p1s(desk, 1)
    with query_count("a delivery pass of 3 rows") as captured:
        attempted = outbox.deliver_due(now=desk.clock.at)
    small = attempted, len(captured.captured_queries)
    # when ten more pages (30 rows) are delivered in one pass
    _p1s(desk, 10)
    large = _pass_queries(desk.clock.at)
    # then the query count did not grow with the rows: claim (clock, select, update), look-up
    # (teams, users), record (clock, select, one update per outcome: 200/202/250, events),
    # plus the savepoints of the two transactions
    assert (small[0], large[0]) == (3, 30)
    assert large[1] == small[1], (small, large)
    assert OutboxMessage.objects.filter(state="delivered").count() == 33


def test_one_pass_records_delivered_retry_and_dead_rows_together(desk):

    # given PagerDuty answers 500 (retry) and Slack 404 no_service (permanent)
    desk.pagerduty.replies.append(HttpReply(500, "oops"))
    desk.slack.replies.append(HttpReply(404, "no_service"))
    [ticket] = _p1s(desk, 1)
    at = desk.clock.at
    # when one pass delivers the page's three rows
    assert outbox.deliver_due(now=at) == 3
    # then each row has its own outcome
    rows = {r.channel: r for r in OutboxMessage.objects.filter(ticket=ticket)}
    assert (rows["email"].state, rows["email"].delivered_at, rows["email"].last_error) == (
        "delivered",
        at,
        "",
    )
    assert (rows["slack"].state, rows["slack"].last_status) == ("dead", 404)
    assert "no_service" in rows["slack"].last_error
    assert (rows["pagerduty"].state, rows["pagerduty"].last_status) == ("retry", 500)
    assert at < rows["pagerduty"].next_attempt_at <= at + timedelta(seconds=2)
    assert rows["pagerduty"].delivered_at is None
    # and the final outcomes (not the retry) are in the ticket's log, once each
    outcomes = sorted(
        (e.data["channel"], e.data["outcome"], e.data["attempts"])
        for e in ticket.events.filter(kind="notify", data__outbox__isnull=False)
    )
    assert outcomes == [("email", "delivered", 1), ("slack", "dead", 1)]


def test_a_result_whose_claim_expired_is_dropped_and_the_rest_of_the_pass_recorded(desk):

    # given a pass claimed three rows, and one of them was claimed again meanwhile (its
    # lease ran out and another worker took it: attempts moved on)
    [ticket] = _p1s(desk, 1)
    claimed = outbox._claim(10, desk.clock.at)
    taken = next(r for r in claimed if r.channel == "slack")
    OutboxMessage.objects.filter(pk=taken.pk).update(attempts=F("attempts") + 1)
    # when the pass records its three results
    recorded = outbox._record(
        [(r, DeliveryResult.delivered(200, "HTTP 200")) for r in claimed],
        desk.clock.at + timedelta(seconds=1),
    )
    # then the two rows still its own are delivered; the re-claimed one is left to its claim
    assert recorded == 2
    states = dict(OutboxMessage.objects.filter(ticket=ticket).values_list("channel", "state"))
    assert states == {"slack": "sending", "pagerduty": "delivered", "email": "delivered"}
    assert ticket.events.filter(kind="notify", data__outcome="delivered").count() == 2


def _run(dispatcher, until, timeout: float = 20.0) -> None:
    """Step ``dispatcher`` the way the worker's delivery loop does until ``until()``."""
    deadline = time.monotonic() + timeout
    while not until():
        assert time.monotonic() < deadline, "timed out"
        dispatcher.step()
        outbox.wait_for_work(0.2)


def _delivered() -> int:
    return OutboxMessage.objects.filter(state="delivered").count()


def test_sending_threads_never_open_a_database_connection(desk):

    # given thirty rows and a dispatcher with four send threads
    _p1s(desk, 10)
    opened: list[str] = []

    def note(sender, connection, **kwargs):
        opened.append(threading.current_thread().name)

    connection_created.connect(note)
    dispatcher = outbox.Dispatcher(4)
    try:
        # when it delivers them
        _run(dispatcher, lambda: _delivered() == 30)
    finally:
        dispatcher.close()
        connection_created.disconnect(note)
    # then no send thread connected to the database
    assert not [name for name in opened if name.startswith("sladesk-send")], opened
    assert len(desk.pagerduty.requests) == 10


def test_a_long_lived_dispatcher_keeps_its_http_connections_across_passes(desk, http_receiver):

    # given Slack keeps connections alive, and a dispatcher with two send threads
    slack = http_receiver(default=HttpReply(200, "ok"), keep_alive=True)
    desk.team.slack_webhook_url = slack.url("/services/T000/B000/XXXXXXXXXXXX")
    desk.team.save()
    dispatcher = outbox.Dispatcher(2)
    try:
        # when three rounds, one after another, each deliver four pages
        for round_ in range(1, 4):
            _p1s(desk, 4)
            _run(dispatcher, lambda n=round_: _delivered() == 12 * n)
    finally:
        dispatcher.close()
    # then the twelve Slack posts came over at most two connections (one per thread)
    assert len(slack.requests) == 12
    assert len({r.client_port for r in slack.requests}) <= 2


def test_a_slow_receiver_holds_one_send_thread_not_the_others(desk):

    # given PagerDuty takes 3 s to answer
    desk.pagerduty.default = HttpReply(202, "{}", delay=3.0)
    [ticket] = _p1s(desk, 1)
    dispatcher = outbox.Dispatcher(4)
    try:
        # when the page's three rows are sent
        started = time.monotonic()
        states = OutboxMessage.objects.filter(ticket=ticket)
        _run(dispatcher, lambda: states.filter(state="delivered").count() == 2)
        # then Slack and e-mail were delivered while PagerDuty was still answering
        assert time.monotonic() - started < 2.5
        assert states.get(channel="pagerduty").state == "sending"
    finally:
        dispatcher.close()
    # and closing waited for the slow send and recorded it
    assert states.get(channel="pagerduty").state == "delivered"
    assert len(desk.pagerduty.requests) == 1


def test_a_commit_that_queues_outbox_rows_wakes_the_delivery_loop(
    desk, django_capture_on_commit_callbacks
):

    outbox.wait_for_work(0)  # clear a wake-up left by earlier work
    assert outbox.wait_for_work(0) is False
    # when a transaction queues a page and commits
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _p1s(desk, 1)
    # then the delivery loop's sleep ends at once, and only once
    assert callbacks
    assert outbox.wait_for_work(5) is True
    assert outbox.wait_for_work(0) is False


def test_a_transaction_that_rolls_back_wakes_nobody(desk, django_capture_on_commit_callbacks):
    from django.db import transaction

    outbox.wait_for_work(0)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _p1s(desk, 1)
        raise RuntimeError("rolled back")
    assert outbox.wait_for_work(0) is False
    assert not OutboxMessage.objects.exists()
