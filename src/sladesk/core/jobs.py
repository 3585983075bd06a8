"""The core's own periodic job: pruning the scheduler's slot rows.

Jobs running every few seconds (``status.checks``, ``reports.fold``) record ~17,000
`PeriodicRun` rows a day each; ``core.prune_runs`` deletes the finished ones older than
the ``keep_days`` setting (`sladesk.core.periodic.JobsConf`; failed rows are kept four times
as long, for the admin), in short chunked transactions, never a job's newest row."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Max

from .database import db_now
from .models import PeriodicRun, PeriodicRunState
from .periodic import conf, periodic

__all__ = ["prune_runs"]


@periodic("core.prune_runs", every=timedelta(hours=1))
def prune_runs(*, chunk: int = 5000) -> int:
    """Delete old finished slot rows; returns how many."""
    days = conf().keep_days
    now = db_now()
    newest = dict(PeriodicRun.objects.values_list("job").annotate(last=Max("slot")))
    total = 0
    for job, last in newest.items():
        for states, age in (
            ((PeriodicRunState.DONE, PeriodicRunState.SKIPPED), days),
            ((PeriodicRunState.FAILED,), 4 * days),
        ):
            cutoff = min(now - timedelta(days=age), last)
            query = PeriodicRun.objects.filter(job=job, state__in=states, slot__lt=cutoff)
            while True:
                with transaction.atomic():
                    ids = list(query.values_list("pk", flat=True)[:chunk])
                    if ids:
                        PeriodicRun.objects.filter(pk__in=ids).delete()
                total += len(ids)
                if len(ids) < chunk:
                    break
    return total
