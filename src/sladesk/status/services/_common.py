"""The one place component statuses change: spans opened and closed by source.

Every status change of a component goes through `hold` (a source holds the component at a
status from an instant on, or lets go) or `record` (a closed interval in the past: a
backfilled incident, a maintenance window the job saw only after it ended). Both recompute
the component's derived ``status`` and bump its page's ``revision`` (the public views'
cache key), inside the caller's transaction.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F

from sladesk.tickets.services import ServiceError as TicketServiceError

from ..models import Component, ComponentStatus, StatusPage, StatusSpan
from ..uptime import worst

__all__ = ["ServiceError", "bump", "hold", "recompute", "record"]


class ServiceError(TicketServiceError):
    """A status-page request that cannot be done as asked (the message says why); the
    API answers it 400 ``refused`` like a refused ticket service."""


def bump(page_id: int, at: datetime) -> None:
    """Anything the page shows changed: a new revision (cache key, ETag), now."""
    StatusPage.objects.filter(pk=page_id).update(revision=F("revision") + 1, updated_at=at)
    from .. import cache

    transaction.on_commit(cache.forget)


def recompute(component: Component, at: datetime) -> bool:
    """Set ``component.status`` from its open spans; True (and the page bumped) if it changed."""
    open_statuses = StatusSpan.objects.filter(
        component=component, ended_at__isnull=True
    ).values_list("status", flat=True)
    status = worst(open_statuses)  # type: ignore[arg-type]
    if status == component.status:
        return False
    component.status = status
    component.updated_at = at
    Component.objects.filter(pk=component.pk).update(status=status, updated_at=at)
    bump(component.page_id, at)
    return True


def hold(component: Component, source: str, ref: str, status: str | None, at: datetime) -> bool:
    """From ``at`` on, ``source``/``ref`` holds ``component`` at ``status`` (None or
    ``operational``: lets go). Closes the source's open span at ``at`` when the status
    differs. True if the component's displayed status changed."""
    current = (
        StatusSpan.objects.select_for_update()
        .filter(component=component, source=source, ref=ref, ended_at__isnull=True)
        .first()
    )
    wanted = None if status in (None, ComponentStatus.OPERATIONAL) else status
    if current is not None and current.status == wanted:
        return False
    if current is not None:
        current.ended_at = max(at, current.started_at)
        current.save(update_fields=["ended_at"])
    if wanted is not None:
        StatusSpan.objects.create(
            component=component, status=wanted, source=source, ref=ref, started_at=at
        )
    changed = recompute(component, at)
    if not changed:
        bump(component.page_id, at)  # the history (uptime bars) changed all the same
    return changed


def record(
    component: Component, source: str, ref: str, status: str, start: datetime, end: datetime
) -> StatusSpan | None:
    """A closed span ``[start, end)`` in the past (None when empty or already recorded)."""
    if end <= start or status == ComponentStatus.OPERATIONAL:
        return None
    exists = StatusSpan.objects.filter(
        component=component, source=source, ref=ref, started_at=start
    ).exists()
    if exists:
        return None
    span = StatusSpan.objects.create(
        component=component, status=status, source=source, ref=ref, started_at=start, ended_at=end
    )
    bump(component.page_id, end)
    return span
