"""`core.prune_runs`: old finished slot rows go; recent ones, failures and newest rows stay."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sladesk.core.database import db_now
from sladesk.core.jobs import prune_runs
from sladesk.core.models import PeriodicRun, PeriodicRunState
from sladesk.core.periodic import REGISTRY, discover

pytestmark = pytest.mark.django_db
DAY = timedelta(days=1)


def _row(job: str, age: timedelta, state: str) -> PeriodicRun:
    return PeriodicRun.objects.create(job=job, slot=db_now() - age, state=state)


def test_old_finished_rows_are_pruned_and_the_rest_kept(settings):
    # given a week's keep, and rows of a busy job and of a job that stopped long ago
    settings.SLADESK_JOBS = {"keep_days": 7}
    old_done = _row("busy", 8 * DAY, PeriodicRunState.DONE)
    old_skipped = _row("busy", 9 * DAY, PeriodicRunState.SKIPPED)
    recent = _row("busy", 6 * DAY, PeriodicRunState.DONE)
    failed = _row("busy", 10 * DAY, PeriodicRunState.FAILED)
    ancient_failed = _row("busy", 29 * DAY, PeriodicRunState.FAILED)
    running = _row("busy", 20 * DAY, PeriodicRunState.RUNNING)
    stopped_newest = _row("stopped", 40 * DAY, PeriodicRunState.DONE)
    stopped_older = _row("stopped", 41 * DAY, PeriodicRunState.DONE)
    # when the prune job runs
    deleted = prune_runs(chunk=1)
    # then the old done/skipped rows and the failure older than 4 x keep are gone
    left = set(PeriodicRun.objects.values_list("pk", flat=True))
    assert deleted == 4
    assert {old_done.pk, old_skipped.pk, ancient_failed.pk, stopped_older.pk}.isdisjoint(left)
    # and recent rows, younger failures, running slots and a job's newest row stay
    assert {recent.pk, failed.pk, running.pk, stopped_newest.pk} <= left


def test_prune_runs_is_a_registered_hourly_job():
    discover()
    assert REGISTRY["core.prune_runs"].every == timedelta(hours=1)
