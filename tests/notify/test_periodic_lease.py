"""Periodic slots whose worker died mid-run: re-run once by another worker after the lease,
never while the first worker is alive, never a third time; a slow worker's late outcome is
fenced off."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest

from sladesk.core import periodic
from sladesk.core.database import db_now
from sladesk.core.models import PeriodicRun

MINUTE = timedelta(minutes=1)
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
LEASE = timedelta(seconds=120)  # the default periodic_lease


def _job(calls: list[str], name: str = "test.lease") -> periodic.PeriodicJob:
    return periodic.PeriodicJob(name, MINUTE, lambda: calls.append("ran"), catch_up=3)


def _dead_claim(job: periodic.PeriodicJob, slot: datetime, attempt: int = 1) -> None:
    """The row a worker leaves when it is killed during the slot's job."""
    PeriodicRun.objects.create(
        job=job.name,
        slot=slot,
        worker="gone:4242:abcdef",
        started_at=slot,
        lease_until=slot + LEASE,
        attempt=attempt,
    )


@pytest.mark.django_db
def test_a_slot_whose_worker_died_runs_again_once_after_its_lease():
    calls: list[str] = []
    job = _job(calls)
    # given a worker that claimed slot T0 and died in the middle of the job
    _dead_claim(job, T0)
    # when another worker looks before the lease ends, it leaves the slot alone
    assert periodic.reclaim_expired(job, T0 + LEASE - timedelta(seconds=1)) == []
    assert PeriodicRun.objects.get(job=job.name, slot=T0).state == "running"
    # when it looks after the lease, it runs the slot again (attempt 2) and records it
    ran = periodic.run_due(T0 + LEASE + timedelta(seconds=1), jobs={job.name: job})
    # (T0 again first, then the slots since, as any catch-up)
    assert ran == [(job.name, T0 + m * MINUTE) for m in (0, 1, 2)] and len(calls) == 3
    row = PeriodicRun.objects.get(job=job.name, slot=T0)
    assert (row.state, row.attempt) == ("done", 2)
    assert row.worker == periodic.WORKER_NAME[:100]
    # and nobody runs it a third time
    assert periodic.reclaim_expired(job, T0 + 10 * LEASE) == []


@pytest.mark.django_db
def test_a_slot_that_died_twice_is_recorded_failed_not_run_again():
    calls: list[str] = []
    job = _job(calls)
    _dead_claim(job, T0, attempt=2)
    assert periodic.reclaim_expired(job, T0 + LEASE + timedelta(seconds=1)) == []
    row = PeriodicRun.objects.get(job=job.name, slot=T0)
    assert row.state == "failed" and "abandoned" in row.error and calls == []


@pytest.mark.django_db
def test_a_slow_worker_does_not_record_over_the_takeover():
    calls: list[str] = []
    job = _job(calls)
    _dead_claim(job, T0)
    # given the slot was taken over (attempt 2) and has finished
    assert periodic.reclaim_expired(job, T0 + LEASE + timedelta(seconds=1)) == [(T0, 2)]
    PeriodicRun.objects.filter(job=job.name, slot=T0).update(state="done", error="")
    # when the first worker, slow but alive, finishes with an error
    boom = periodic.PeriodicJob(job.name, MINUTE, lambda: 1 / 0)
    periodic._run(boom, T0, attempt=1)
    # then its outcome is dropped: the row keeps the takeover's
    assert PeriodicRun.objects.get(job=job.name, slot=T0).state == "done"


_CHILD = """
import sys, time, django
django.setup()
from datetime import timedelta
from sladesk.core import periodic
job = periodic.PeriodicJob("test.killed", timedelta(minutes=1), lambda: time.sleep(120))
print("claiming", flush=True)
periodic.run_due(jobs={job.name: job})
"""


@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_process_slot_is_rerun_by_another_worker(settings):
    from support.workers import database_url, require_postgres

    require_postgres()  # a second process needs the shared database
    settings.SLADESK_NOTIFY = {"periodic_lease": 2.0}
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "sladesk.settings.test",
        "SLADESK_NOTIFY_PERIODIC_LEASE": "2",
        "SLADESK_CONN_MAX_AGE": "0",
    }
    # given a real worker process in the middle of a slot's job
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not PeriodicRun.objects.filter(job="test.killed").exists():
            assert child.poll() is None, child.stderr.read() if child.stderr else ""
            assert time.monotonic() < deadline, "the child never claimed its slot"
            time.sleep(0.1)
        row = PeriodicRun.objects.get(job="test.killed")
        # while it is alive its heartbeat renews the lease: nobody takes the slot over
        time.sleep(3)
        calls: list[str] = []
        job = periodic.PeriodicJob("test.killed", MINUTE, lambda: calls.append("ran"))
        assert periodic.reclaim_expired(job) == []
        row.refresh_from_db()
        assert row.state == "running" and row.lease_until > db_now()
        # when it is killed (kill -9) mid-job
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    # then after the lease lapses another worker runs the slot again, once
    time.sleep(2.5)
    assert periodic.reclaim_expired(job) == [(row.slot, 2)]
    periodic._run(job, row.slot, 2)
    row.refresh_from_db()
    assert (row.state, row.attempt, calls) == ("done", 2, ["ran"])
    assert periodic.reclaim_expired(job) == []
