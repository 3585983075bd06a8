"""Periodic jobs of the reports (found by `sladesk.core.periodic.discover`)."""

from __future__ import annotations

from datetime import UTC, timedelta

from sladesk.accounts.models import Organization
from sladesk.core import time as core_time
from sladesk.core.periodic import periodic

from .rollup import FOLD_BATCH, FOLD_EVERY, fold
from .statement import send_statement

__all__ = ["fold_rollup_journal", "mail_last_months_statements"]


@periodic("reports.statements", every=timedelta(hours=6))
def mail_last_months_statements() -> int:
    """Queue last UTC month's statement of every organization to its account team.

    Runs every 6 hours; the outbox's idempotency key (organization, month, recipient)
    makes each mail go once, and a run missed on the 1st is made up by the next."""
    first = core_time.now().astimezone(UTC).date().replace(day=1)
    last_month = (first - timedelta(days=1)).replace(day=1)
    return sum(send_statement(org, last_month) for org in Organization.objects.order_by("pk"))


@periodic("reports.fold", every=FOLD_EVERY)
def fold_rollup_journal(max_batches: int = 40) -> int:
    """Fold the rollup journal into the attainment cells (`sladesk.reports.rollup.fold`),
    batch after batch until it is empty or ``max_batches`` were folded (the next slot
    goes on); returns the number of journal rows folded."""
    total = 0
    for _ in range(max_batches):
        n = fold()
        total += n
        if n < FOLD_BATCH:
            break
    return total
