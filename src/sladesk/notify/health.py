"""The auditor: how far behind are timers and the outbox? (health endpoint, metrics, prune)

`snapshot` answers from three indexed queries, so it stays cheap with a million pending
timers: the oldest overdue pending timer (``fire_at`` index), the oldest undelivered
outbox row and the number of rows per undelivered state (``state, created_at`` index).
``status`` is ``degraded`` when either age passes its threshold
(``timer_overdue_degraded``, ``outbox_age_degraded``) — a worker is down or too slow —
and ``ok`` otherwise.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count

from sladesk.core.database import db_now

from .conf import conf
from .models import OutboxMessage, OutboxState, Timer, TimerState
from .timers import overdue_age

__all__ = ["Snapshot", "metrics_text", "prune", "snapshot"]

logger = logging.getLogger(__name__)

_WAITING = (OutboxState.QUEUED, OutboxState.RETRY, OutboxState.SENDING, OutboxState.DEAD)


@dataclass(frozen=True)
class Snapshot:
    """What the auditor sees at ``at`` (the database's clock)."""

    at: datetime
    timer_overdue_seconds: float
    timers_overdue: int
    outbox_oldest_seconds: float
    outbox_counts: dict[str, int] = field(default_factory=dict)

    @property
    def status(self) -> str:
        cfg = conf()
        slow = (
            self.timer_overdue_seconds > cfg.timer_overdue_degraded
            or self.outbox_oldest_seconds > cfg.outbox_age_degraded
        )
        return "degraded" if slow else "ok"

    def as_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "at": self.at.isoformat(),
            "timers": {
                "oldest_overdue_seconds": round(self.timer_overdue_seconds, 3),
                "overdue": self.timers_overdue,
            },
            "outbox": {
                "oldest_queued_seconds": round(self.outbox_oldest_seconds, 3),
                **{state: self.outbox_counts.get(state, 0) for state in _WAITING},
            },
        }


def snapshot() -> Snapshot:
    moment = db_now()
    overdue = Timer.objects.filter(state=TimerState.PENDING, fire_at__lte=moment)
    oldest = (
        OutboxMessage.objects.filter(state__in=_WAITING[:3])
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    counts = dict(
        OutboxMessage.objects.filter(state__in=_WAITING)
        .values_list("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    return Snapshot(
        at=moment,
        timer_overdue_seconds=overdue_age(moment).total_seconds(),
        timers_overdue=overdue.count(),
        outbox_oldest_seconds=max(0.0, (moment - oldest).total_seconds()) if oldest else 0.0,
        outbox_counts=counts,
    )


def metrics_text(snap: Snapshot) -> str:
    """Prometheus text exposition format (version 0.0.4)."""
    lines = [
        "# HELP sladesk_timer_oldest_overdue_seconds "
        "Age of the oldest pending timer past its fire_at.",
        "# TYPE sladesk_timer_oldest_overdue_seconds gauge",
        f"sladesk_timer_oldest_overdue_seconds {snap.timer_overdue_seconds:.3f}",
        "# HELP sladesk_timers_overdue Pending timers past their fire_at.",
        "# TYPE sladesk_timers_overdue gauge",
        f"sladesk_timers_overdue {snap.timers_overdue}",
        "# HELP sladesk_outbox_oldest_queued_seconds Age of the oldest undelivered outbox row.",
        "# TYPE sladesk_outbox_oldest_queued_seconds gauge",
        f"sladesk_outbox_oldest_queued_seconds {snap.outbox_oldest_seconds:.3f}",
        "# HELP sladesk_outbox_messages Outbox rows by state (delivered rows are not counted).",
        "# TYPE sladesk_outbox_messages gauge",
    ]
    lines += [
        f'sladesk_outbox_messages{{state="{s}"}} {snap.outbox_counts.get(s, 0)}' for s in _WAITING
    ]
    lines += [
        "# HELP sladesk_health_ok 1 when timers and outbox are within their thresholds.",
        "# TYPE sladesk_health_ok gauge",
        f"sladesk_health_ok {1 if snap.status == 'ok' else 0}",
    ]
    return "\n".join(lines) + "\n"


def prune(*, keep_days: float | None = None, chunk: int = 5000) -> tuple[int, int]:
    """Delete fired/cancelled timers of finished clocks and delivered outbox rows older than
    ``keep_days``; returns (timers, outbox rows) deleted. Dead rows stay for the admin.

    Timers of open clocks are kept even when old: a fired warning is what stops a resumed
    clock from warning twice in one cycle. Deletes in chunks (short transactions).
    """
    days = conf().keep_days if keep_days is None else keep_days
    cutoff = db_now() - timedelta(days=days)
    old_timers = Timer.objects.filter(
        state__in=(TimerState.FIRED, TimerState.CANCELLED), updated_at__lt=cutoff
    ).exclude(clock__state__in=("running", "paused"))
    old_rows = OutboxMessage.objects.filter(state=OutboxState.DELIVERED, delivered_at__lt=cutoff)
    totals = []
    for query in (old_timers, old_rows):
        total = 0
        while True:
            with transaction.atomic():
                ids = list(query.values_list("pk", flat=True)[:chunk])
                if ids:
                    query.model.objects.filter(pk__in=ids).delete()
            total += len(ids)
            if len(ids) < chunk:
                break
        totals.append(total)
    logger.info("pruned %s timers and %s outbox rows older than %s days", *totals, days)
    return totals[0], totals[1]
