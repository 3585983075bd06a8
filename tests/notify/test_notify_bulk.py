"""`update_rows`: rows with equal values share one plain UPDATE; many distinct value sets
(or an unhashable value) fall back to one bulk_update. Either way every row gets its values."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sladesk.core.bulk import update_rows
from sladesk.notify.models import OutboxMessage

pytestmark = pytest.mark.django_db


def _rows(n: int, at) -> list[OutboxMessage]:
    return OutboxMessage.objects.bulk_create(
        [
            OutboxMessage(
                idempotency_key=f"k{i}",
                channel="slack",
                destination="team:1",
                next_attempt_at=at,
                created_at=at,
                updated_at=at,
            )
            for i in range(n)
        ]
    )


def _updates(fn) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]


@pytest.mark.parametrize(
    ("statuses", "statements", "case"),
    [
        ([200] * 6, 1, False),  # one outcome for all: one plain UPDATE
        ([200, 200, 202, 500, 200, 202], 3, False),  # three value sets: three
        ([200, 201, 202, 203, 204, 205], 1, True),  # beyond 4: one bulk_update (CASE)
    ],
)
def test_rows_are_written_by_value_group(frozen_now, statuses, statements, case):
    at = frozen_now.at
    rows = list(OutboxMessage.objects.filter(pk__in=[r.pk for r in _rows(len(statuses), at)]))
    for row, status in zip(rows, statuses, strict=True):
        row.state, row.last_status, row.updated_at = "delivered", status, at + timedelta(seconds=1)
    sql = _updates(lambda: update_rows(OutboxMessage, rows, ["state", "last_status", "updated_at"]))
    assert len(sql) == statements
    assert all(("CASE" in s) == case for s in sql)
    stored = dict(OutboxMessage.objects.values_list("pk", "last_status"))
    assert stored == {row.pk: status for row, status in zip(rows, statuses, strict=True)}
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"delivered"}


def test_an_unhashable_value_goes_through_bulk_update(frozen_now):
    rows = list(OutboxMessage.objects.filter(pk__in=[r.pk for r in _rows(2, frozen_now.at)]))
    for i, row in enumerate(rows):
        row.payload = {"n": i}
    assert update_rows(OutboxMessage, rows, ["payload"]) == 1
    assert sorted(p["n"] for p in OutboxMessage.objects.values_list("payload", flat=True)) == [0, 1]


def test_nothing_to_write_issues_no_statement():
    assert update_rows(OutboxMessage, [], ["state"]) == 0
