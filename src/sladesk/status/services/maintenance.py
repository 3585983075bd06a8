"""Scheduled maintenance: announce it, and move components in and out of it on time.

`apply_maintenance` is the ``status.maintenance`` periodic job (every 15 s): for each
window that has begun it holds the components at ``under_maintenance`` from the window's
exact start (span backdated), and lets go at the window's exact end — so the uptime
figures do not depend on when the job ran. A window the job never saw running (the
worker was down) is recorded afterwards, within a two-day look-back. Subscribers are told
when a window is scheduled, starts and completes (one outbox row each, keyed by window).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.db.models import Q

from sladesk.core import time as core_time

from ..models import Component, ComponentStatus, Maintenance, SpanSource, StatusPage, StatusSpan
from ..schedule import occurrences
from ._common import ServiceError, bump, hold, record
from .subscribers import tell_maintenance

__all__ = [
    "LOOKBACK",
    "apply_maintenance",
    "cancel_maintenance",
    "components_in_maintenance",
    "schedule_maintenance",
    "windows",
]

LOOKBACK = timedelta(days=2)


def windows(m: Maintenance, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """``m``'s windows overlapping ``[start, end)``, oldest first."""
    rule = m.recurrence
    if rule is not None:
        return occurrences(rule, start, end)
    if (
        m.scheduled_for
        and m.scheduled_until
        and m.scheduled_for < end
        and m.scheduled_until > start
    ):
        return [(m.scheduled_for, m.scheduled_until)]
    return []


def _ref(m: Maintenance, start: datetime) -> str:
    return f"{m.pk}@{start:%Y%m%dT%H%M%SZ}"


@transaction.atomic
def schedule_maintenance(
    page: StatusPage,
    *,
    name: str,
    components: Iterable[Any],
    body: str = "",
    scheduled_for: datetime | None = None,
    scheduled_until: datetime | None = None,
    frequency: str = "",
    at_time: time | None = None,
    duration_minutes: int | None = None,
    time_zone: str = "UTC",
    weekdays: Iterable[int] = (),
    day_of_month: int | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
    actor: Any = None,
) -> Maintenance:
    """Announce a one-off window (``scheduled_for``/``scheduled_until``) or a recurring one
    (``frequency`` with ``at_time``, ``duration_minutes``, ``time_zone`` ...)."""
    now = core_time.now()
    if not name.strip():
        raise ServiceError("maintenance needs a name")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ServiceError(f"unknown time zone {time_zone!r}") from None
    wanted = {str(c.pk if isinstance(c, Component) else c) for c in components}
    chosen = [
        c
        for c in Component.objects.filter(page=page)
        if str(c.pk) in wanted or c.public_id in wanted
    ]
    if not wanted or len(chosen) < len(wanted):
        raise ServiceError("name the page's components the maintenance takes down")
    m = Maintenance(
        page=page,
        name=name.strip()[:300],
        body=body,
        time_zone=time_zone,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
        updated_at=now,
    )
    if frequency:
        m.frequency, m.at_time, m.duration_minutes = frequency, at_time, duration_minutes
        m.weekdays, m.day_of_month = sorted(set(weekdays)), day_of_month
        m.first_day = first_day or now.astimezone(ZoneInfo(time_zone)).date()
        m.last_day = last_day
        if at_time is None or not duration_minutes:
            raise ServiceError("a recurring window needs at_time and duration_minutes")
        try:
            m.recurrence  # noqa: B018  (validates the rule)
        except ValueError as exc:
            raise ServiceError(str(exc)) from None
    else:
        if scheduled_for is None or scheduled_until is None or scheduled_until <= scheduled_for:
            raise ServiceError("a one-off window needs scheduled_for before scheduled_until")
        m.scheduled_for, m.scheduled_until = scheduled_for, scheduled_until
    m.save()
    m.components.set(chosen)
    upcoming = windows(m, now, now + timedelta(days=366))
    tell_maintenance(m, "scheduled", upcoming[0][0] if upcoming else (m.scheduled_for or now))
    bump(page.pk, now)
    transaction.on_commit(lambda: apply_maintenance(only=[m.pk]))
    return m


@transaction.atomic
def cancel_maintenance(m: Maintenance) -> Maintenance:
    """Cancel ``m``: future windows are dropped; a running one ends now."""
    now = core_time.now()
    m = Maintenance.objects.select_for_update().get(pk=m.pk)
    m.cancelled_at = m.updated_at = now
    m.save(update_fields=["cancelled_at", "updated_at"])
    for span in StatusSpan.objects.filter(
        source=SpanSource.MAINTENANCE, ref__startswith=f"{m.pk}@", ended_at__isnull=True
    ).select_related("component"):
        hold(span.component, SpanSource.MAINTENANCE, span.ref, None, now)
    bump(m.page_id, now)
    return m


def apply_maintenance(now: datetime | None = None, *, only: Iterable[int] | None = None) -> int:
    """The periodic job: open and close maintenance spans at the windows' edges; returns
    the number of spans opened, closed or recorded."""
    now = now or core_time.now()
    query = Maintenance.objects.filter(cancelled_at__isnull=True).filter(
        ~Q(frequency="") | Q(scheduled_for__lte=now, scheduled_until__gte=now - LOOKBACK)
    )
    if only is not None:
        query = query.filter(pk__in=list(only))
    changed = 0
    for m in query.prefetch_related("components"):
        for start, end in windows(m, now - LOOKBACK, now + timedelta(seconds=1)):
            if start > now:
                continue
            changed += _apply_window(m, start, end, now)
    return changed


@transaction.atomic
def _apply_window(m: Maintenance, start: datetime, end: datetime, now: datetime) -> int:
    ref = _ref(m, start)
    done = 0
    spans = {
        s.component_id: s
        for s in StatusSpan.objects.select_for_update().filter(
            source=SpanSource.MAINTENANCE, ref=ref
        )
    }
    began = ended = False
    for component in m.components.all():
        span = spans.get(component.pk)
        if now < end:
            if span is None:
                hold(component, SpanSource.MAINTENANCE, ref, ComponentStatus.MAINTENANCE, start)
                done += 1
                began = True
        elif span is None:
            record(component, SpanSource.MAINTENANCE, ref, ComponentStatus.MAINTENANCE, start, end)
            done += 1
            ended = True
        elif span.ended_at is None:
            hold(component, SpanSource.MAINTENANCE, ref, None, end)
            done += 1
            ended = True
    if began:
        tell_maintenance(m, "in_progress", start)
    if ended:
        tell_maintenance(m, "completed", start)
    return done


def components_in_maintenance(component_ids: Iterable[int], at: datetime) -> set[int]:
    """Which of ``component_ids`` are inside an announced maintenance window at ``at``
    (read from the schedule, not from the spans: right even if the job is late)."""
    ids = set(component_ids)
    if not ids:
        return set()
    found: set[int] = set()
    query = Maintenance.objects.filter(cancelled_at__isnull=True, components__in=ids).filter(
        ~Q(frequency="") | Q(scheduled_for__lte=at, scheduled_until__gt=at)
    )
    for m in query.distinct().prefetch_related("components"):
        if windows(m, at, at + timedelta(microseconds=1)):
            found |= {c.pk for c in m.components.all()} & ids
    return found
