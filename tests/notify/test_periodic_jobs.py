"""Periodic jobs: each (job, slot) runs once, catch-up is bounded, long jobs never delay timers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection

from sladesk.core import periodic
from sladesk.core.database import db_now
from sladesk.core.models import PeriodicRun
from sladesk.notify import jobs
from sladesk.notify.models import OutboxMessage, Timer
from sladesk.tickets import services
from sladesk.tickets.models import SlaClock

MINUTE = timedelta(minutes=1)
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def counting_job() -> Iterator[tuple[periodic.PeriodicJob, list[datetime]]]:
    calls: list[datetime] = []
    job = periodic.PeriodicJob(
        "test.count", MINUTE, lambda: calls.append(datetime.now(UTC)), catch_up=3
    )
    yield job, calls


def test_slots_are_aligned_half_open_intervals():
    assert periodic.slot_of(MINUTE, T0) == T0
    assert periodic.slot_of(MINUTE, T0 + timedelta(seconds=59.9)) == T0
    assert periodic.slot_of(timedelta(hours=1), T0 + timedelta(minutes=61)) == T0 + timedelta(
        hours=1
    )


@pytest.mark.django_db
def test_a_slot_runs_once_however_often_workers_look(counting_job):
    job, calls = counting_job
    # given two workers looking in the same slot, one after the other
    first = periodic.run_due(T0 + timedelta(seconds=5), jobs={job.name: job})
    second = periodic.run_due(T0 + timedelta(seconds=30), jobs={job.name: job})
    # then the slot ran once, and its row says done
    assert first == [(job.name, T0)] and second == []
    assert len(calls) == 1
    assert PeriodicRun.objects.get(job=job.name, slot=T0).state == "done"
    # and the next slot runs in the next minute
    assert periodic.run_due(T0 + MINUTE, jobs={job.name: job}) == [(job.name, T0 + MINUTE)]


@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_the_same_slot_run_it_once(counting_job):
    from support.workers import require_postgres

    require_postgres()  # in-memory SQLite: one writer anyway (test_a_slot_runs_once_...)
    job, _ = counting_job
    # given four workers (threads, each with its own database connection) at one instant
    barrier = threading.Barrier(4)
    claimed: list[list[datetime]] = []

    def worker() -> None:
        try:
            barrier.wait()
            claimed.append(periodic.claim_due(job, T0 + timedelta(seconds=1)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then exactly one of them holds the slot
    assert sorted(len(c) for c in claimed) == [0, 0, 0, 1]
    assert PeriodicRun.objects.filter(job=job.name).count() == 1


@pytest.mark.django_db
def test_catch_up_after_downtime_is_bounded_and_skips_nothing_silently(counting_job):
    job, calls = counting_job
    # given the job last ran at T0, and the workers were down for ten minutes
    periodic.run_due(T0, jobs={job.name: job})
    # when a worker comes back at T0 + 10 min
    ran = periodic.run_due(T0 + 10 * MINUTE + timedelta(seconds=3), jobs={job.name: job})
    # then only the 3 newest slots run, oldest first; the 7 before them are recorded skipped
    assert ran == [(job.name, T0 + m * MINUTE) for m in (8, 9, 10)]
    rows = dict(PeriodicRun.objects.filter(job=job.name).values_list("slot", "state"))
    assert [rows[T0 + m * MINUTE] for m in range(11)] == ["done"] + ["skipped"] * 7 + ["done"] * 3
    assert len(calls) == 4


@pytest.mark.django_db
def test_a_new_job_starts_at_the_current_slot(counting_job):
    job, _ = counting_job
    assert periodic.run_due(T0 + 90 * MINUTE, jobs={job.name: job}) == [
        (job.name, T0 + 90 * MINUTE)
    ]
    assert PeriodicRun.objects.filter(job=job.name).count() == 1


@pytest.mark.django_db
def test_a_failing_job_is_recorded_and_its_next_slot_still_runs():
    def boom() -> None:
        raise RuntimeError("mailbox unreachable")

    job = periodic.PeriodicJob("test.boom", MINUTE, boom)
    periodic.run_due(T0, jobs={job.name: job})
    row = PeriodicRun.objects.get(job=job.name)
    assert row.state == "failed" and "mailbox unreachable" in row.error
    assert periodic.run_due(T0 + MINUTE, jobs={job.name: job}) == [(job.name, T0 + MINUTE)]


def test_prune_and_audit_are_registered():
    registry = periodic.discover()
    assert {"notify.prune", "notify.audit"} <= set(registry)
    assert registry["notify.audit"].run is jobs.audit


@pytest.fixture
def ping_receiver() -> Iterator[tuple[str, list[str]]]:
    paths: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            paths.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", paths
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_the_auditor_pings_the_dead_mans_switch_only_while_healthy(
    settings, ping_receiver, make_org, make_contact, caplog
):
    base, paths = ping_receiver
    settings.SLADESK_NOTIFY = {"deadman_url": f"{base}/ping/s3cr3t-uuid"}
    # given a healthy desk: the auditor pings
    assert jobs.audit().status == "ok"
    assert paths == ["/ping/s3cr3t-uuid"]
    # given a timer overdue for a minute (no worker fired it): degraded, no ping, a warning
    org = make_org("particle-enterprise", region="na")
    services.open_ticket(
        organization=org, requester=make_contact(org), subject="s", description="d", priority="P2"
    )
    Timer.objects.filter(kind="warning").update(fire_at=db_now() - MINUTE)
    assert jobs.audit().status == "degraded"
    assert paths == ["/ping/s3cr3t-uuid"]
    assert "notify degraded" in caplog.text and "s3cr3t" not in caplog.text


def test_a_failed_ping_never_logs_the_url(caplog):
    assert jobs.ping_deadman("http://127.0.0.1:9/ping/s3cr3t-uuid") is False
    assert "ping failed" in caplog.text and "s3cr3t" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_long_job_runs_in_the_periodic_pool_not_in_the_loop_that_claims_it(counting_job):
    # given a job that blocks until released
    release, started = threading.Event(), threading.Event()
    threads: list[str] = []

    def long_job() -> None:
        threads.append(threading.current_thread().name)
        started.set()
        release.wait(30)

    job = periodic.PeriodicJob("test.long", timedelta(seconds=1), long_job)
    runner = periodic.PeriodicRunner({job.name: job}, threads=1)
    try:
        # when the periodic loop ticks, it returns at once: the job runs in the pool
        began = time.monotonic()
        assert runner.tick() == 1
        assert time.monotonic() - began < 0.5
        assert started.wait(5) and threads[0].startswith("sladesk-periodic")
        # and while it runs, its next slots are not claimed again by this worker
        time.sleep(1.1)
        assert runner.tick() == 0
    finally:
        release.set()
        runner.shutdown(wait=True)


@pytest.mark.django_db(transaction=True)
def test_a_long_job_does_not_delay_a_due_timer(settings, make_org, make_contact, team):
    from sladesk.notify import worker
    from support.workers import require_postgres

    require_postgres()  # in-memory SQLite shares one lock between the test's threads
    # given a Slack team and a periodic job that runs (blocks) until the test releases it
    team.slack_webhook_url = "https://hooks.slack.example/services/T/B/X"
    team.save()
    release, started = threading.Event(), threading.Event()

    def long_job() -> None:
        started.set()
        release.wait(30)

    periodic.periodic("test.long", every=timedelta(seconds=1))(long_job)
    org = make_org("particle-enterprise", region="na")
    ticket = services.open_ticket(
        organization=org,
        requester=make_contact(org),
        subject="s",
        description="d",
        priority="P2",
        team=team,
    )
    stop = worker.start_in_thread()
    try:
        assert started.wait(5), "the long job did not start"
        # when a timer becomes due while the long job runs
        timer = Timer.objects.get(ticket=ticket, clock__metric="first_response", kind="warning")
        soon = db_now() + timedelta(milliseconds=300)
        SlaClock.objects.filter(pk=timer.clock_id).update(warn_at=soon)
        Timer.objects.filter(pk=timer.pk).update(fire_at=soon)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            timer.refresh_from_db()
            if timer.state == "fired":
                break
            time.sleep(0.05)
        # then it fires on time (the timer loop is not the job's thread), job still running
        assert timer.state == "fired"
        assert (timer.fired_at - timer.fire_at).total_seconds() < 2.0
        assert not release.is_set()
        assert OutboxMessage.objects.filter(ticket=ticket, purpose="warning").exists()
    finally:
        release.set()
        stop.set()
        periodic.REGISTRY.pop("test.long", None)
        time.sleep(1.5)  # the loops close their connections before the database is flushed
