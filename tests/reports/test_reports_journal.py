"""The rollup's journal: a clock change only inserts journal rows in its own transaction,
the periodic fold moves them into the cells, and concurrent folds lose nothing."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection

from sladesk.core.periodic import REGISTRY
from sladesk.reports.attainment import attainment
from sladesk.reports.jobs import fold_rollup_journal
from sladesk.reports.models import AttainmentCell, RollupChange
from sladesk.reports.rollup import FOLD_EVERY, fold, rebuild
from sladesk.tickets import services
from support.workers import require_postgres

GROUPS = ["organization", "priority", "metric"]


def _cells() -> list[tuple[object, ...]]:
    return sorted(
        AttainmentCell.objects.filter(tickets__gt=0).values_list(
            "granularity", "period", "organization_id", "priority", "metric", "team_id",
            "tickets", "met", "breached", "running", "paused_seconds", "used_hist",
        )
    )  # fmt: skip


@pytest.mark.django_db
def test_a_new_ticket_journals_its_clocks_and_touches_no_cell(
    warm_policy_cache, make_org, make_contact
):
    # given a customer and an empty rollup
    org = make_org("particle-enterprise", region="na")
    person = make_contact(org)
    # when a ticket is opened
    ticket = services.open_ticket(
        organization=org,
        requester=person,
        subject="down",
        description="help",
        priority="P2",
        custom_fields={"device_os_supported": True},
    )
    # then its clocks are journaled (one +1 row each, not cancelled) and no cell was written
    clocks = ticket.clocks.exclude(state="cancelled").count()
    assert clocks >= 2
    assert RollupChange.objects.filter(sign=1).count() == clocks
    assert not AttainmentCell.objects.exists()
    # and the report already counts them, before any fold
    today = ticket.created_at.date()
    span = (today.replace(day=1), date(today.year + 1, 1, 1))
    before = attainment(*span, GROUPS)
    assert sum(r["tickets"] for r in before) == clocks
    # when the periodic job folds the journal
    assert fold_rollup_journal() == clocks
    # then the journal is empty, the cells hold the clocks, and the report reads the same
    assert not RollupChange.objects.exists()
    assert AttainmentCell.objects.filter(granularity="syear").exists()
    assert attainment(*span, GROUPS) == before
    assert fold() == 0


def test_the_fold_job_is_registered_every_few_seconds():
    # given the periodic registry, then the fold runs every FOLD_EVERY (seconds, not minutes)
    job = REGISTRY["reports.fold"]
    assert job.every == FOLD_EVERY
    assert FOLD_EVERY.total_seconds() <= 10


@pytest.mark.django_db
def test_fold_in_many_small_batches_equals_a_rebuild(scenario):
    # given the scenario's journal, folded two rows at a time (a fact's -1 and +1 may land
    # in different folds)
    while fold(batch=2):
        pass
    folded = _cells()
    # when the rollup is rebuilt from the clock rows
    rebuild()
    # then the cells are the same
    assert folded == _cells()


@pytest.mark.django_db(transaction=True)
def test_concurrent_folds_lose_nothing(scenario):
    # given PostgreSQL (row locks and SKIP LOCKED are what this checks) and the journal
    require_postgres()
    total = RollupChange.objects.count()
    assert total > 20
    done: list[int] = []
    errors: list[BaseException] = []

    def folder() -> None:
        try:
            while n := fold(batch=3):
                done.append(n)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    # when four folds run side by side
    threads = [threading.Thread(target=folder) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then none failed, every row was folded exactly once, and the cells equal a rebuild
    assert not errors
    assert sum(done) == total
    assert not RollupChange.objects.exists()
    folded = _cells()
    rebuild()
    assert folded == _cells()
