"""Incidents: open (or backfill), post updates, resolve, publish a postmortem.

While an incident is open each affected component is held at its status from
``started_at`` (a `StatusSpan`, source ``incident``); resolving lets go at ``resolved_at``.
``started_at`` and ``resolved_at`` may lie in the past (backfilling history), never in the
future. Subscribers are told of every update of a live incident (not of a backfilled,
already-resolved one); resolving tells each linked ticket's requester (`tell_tickets`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction

from sladesk.core import time as core_time

from ..models import (
    CLOSED_STATUSES,
    Component,
    ComponentStatus,
    Impact,
    Incident,
    IncidentComponent,
    IncidentStatus,
    IncidentUpdate,
    SpanSource,
    StatusPage,
    StatusSpan,
)
from ._common import ServiceError, bump, hold, record
from .subscribers import tell_subscribers
from .tickets import tell_tickets

__all__ = ["backfill_times", "edit_incident", "open_incident", "post_update", "publish_postmortem"]

_HOLDABLE = {s.value for s in ComponentStatus} - {ComponentStatus.MAINTENANCE}
_POSTABLE = {s.value for s in IncidentStatus} - {IncidentStatus.POSTMORTEM}


def _resolve_components(
    page: StatusPage, components: Mapping[Any, str] | None
) -> list[tuple[Component, str]]:
    """``{component or id or public id: status}`` checked against ``page``."""
    if not components:
        return []
    by_key: dict[str, Component] = {}
    for c in Component.objects.filter(page=page):
        by_key[str(c.pk)] = by_key[c.public_id] = c
    out = []
    for key, status in components.items():
        ident = str(key.pk if isinstance(key, Component) else key)
        component = by_key.get(ident)
        if component is None:
            raise ServiceError(f"component {ident!r} is not on the status page {page.slug!r}")
        if status not in _HOLDABLE:
            raise ServiceError(
                f"an incident can set {', '.join(sorted(_HOLDABLE))}, not {status!r} "
                "(maintenance is scheduled, not declared)"
            )
        out.append((component, status))
    return out


def _check_times(started: datetime, resolved: datetime | None, now: datetime) -> None:
    if started > now:
        raise ServiceError("started_at is in the future; an incident starts no later than now")
    if resolved is not None and not started < resolved <= now:
        raise ServiceError("resolved_at must lie after started_at and no later than now")


def _change(component: Component, old: str, new: str) -> dict[str, str]:
    return {
        "code": component.public_id,
        "name": component.name,
        "old_status": old,
        "new_status": new,
    }


@transaction.atomic
def open_incident(
    page: StatusPage,
    *,
    name: str,
    body: str,
    status: str = IncidentStatus.INVESTIGATING,
    impact: str = Impact.MINOR,
    components: Mapping[Any, str] | None = None,
    started_at: datetime | None = None,
    resolved_at: datetime | None = None,
    actor: Any = None,
) -> Incident:
    """Declare an incident on ``page`` (or backfill one: ``started_at``/``resolved_at`` in
    the past). A ``resolved_at`` means the incident is over (status ``resolved``)."""
    now = core_time.now()
    if not name.strip():
        raise ServiceError("an incident needs a name")
    if status not in _POSTABLE:
        raise ServiceError(
            f"unknown incident status {status!r}; use {', '.join(sorted(_POSTABLE))}"
        )
    if impact not in Impact.values:
        raise ServiceError(f"unknown impact {impact!r}; use {', '.join(Impact.values)}")
    started = started_at or now
    if resolved_at is not None:
        status = IncidentStatus.RESOLVED
    elif status == IncidentStatus.RESOLVED:
        if started_at is None:
            raise ServiceError(
                "an incident that is already over needs started_at (and resolved_at)"
            )
        resolved_at = now
    _check_times(started, resolved_at, now)
    pairs = _resolve_components(page, components)
    incident = Incident.objects.create(
        page=page,
        name=name.strip()[:300],
        status=status,
        impact=impact,
        started_at=started,
        resolved_at=resolved_at,
        monitoring_at=now if status == IncidentStatus.MONITORING else None,
        created_by=actor if getattr(actor, "pk", None) and hasattr(actor, "get_username") else None,
        created_at=now,
        updated_at=now,
    )
    changes = []
    for component, comp_status in pairs:
        IncidentComponent.objects.create(incident=incident, component=component, status=comp_status)
        changes.append(_change(component, component.status, comp_status))
        if resolved_at is None:
            hold(component, SpanSource.INCIDENT, str(incident.pk), comp_status, started)
        else:
            record(
                component, SpanSource.INCIDENT, str(incident.pk), comp_status, started, resolved_at
            )
    update = IncidentUpdate.objects.create(
        incident=incident, status=status, body=body, affected_components=changes, display_at=now
    )
    bump(page.pk, now)
    if resolved_at is None:  # a backfilled incident is history: nobody is told
        tell_subscribers(incident, update)
    return incident


@transaction.atomic
def post_update(
    incident: Incident,
    *,
    status: str,
    body: str,
    components: Mapping[Any, str] | None = None,
    actor: Any = None,
) -> IncidentUpdate:
    """Post an update; ``components`` change the statuses the incident holds. ``resolved``
    lets every component go and tells the linked tickets; an update with an open status on
    a resolved incident reopens it."""
    now = core_time.now()
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status == IncidentStatus.POSTMORTEM:
        raise ServiceError("the incident has its postmortem; open a new incident instead")
    if status not in _POSTABLE:
        raise ServiceError(
            f"unknown update status {status!r}; use {', '.join(sorted(_POSTABLE))} "
            "(the postmortem is published with its own call)"
        )
    if not body.strip():
        raise ServiceError("an update needs a message")
    pairs = _resolve_components(incident.page, components)
    affected = {a.component_id: a for a in IncidentComponent.objects.filter(incident=incident)}
    changes = []
    for component, comp_status in pairs:
        row = affected.get(component.pk)
        if row is None:
            row = IncidentComponent.objects.create(
                incident=incident, component=component, status=comp_status
            )
            affected[component.pk] = row
        elif row.status != comp_status:
            row.status = comp_status
            row.save(update_fields=["status"])
        changes.append(_change(component, component.status, comp_status))
    closing = status in CLOSED_STATUSES
    ref = str(incident.pk)
    for row in affected.values():
        component = Component.objects.get(pk=row.component_id)
        before = component.status
        hold(component, SpanSource.INCIDENT, ref, None if closing else row.status, now)
        if closing and component.status != before:
            changes.append(_change(component, before, component.status))
    incident.status = status
    incident.updated_at = now
    incident.resolved_at = now if closing else None
    if status == IncidentStatus.MONITORING:
        incident.monitoring_at = now
    incident.save(update_fields=["status", "updated_at", "resolved_at", "monitoring_at"])
    update = IncidentUpdate.objects.create(
        incident=incident, status=status, body=body, affected_components=changes, display_at=now
    )
    bump(incident.page_id, now)
    tell_subscribers(incident, update)
    if closing:
        tell_tickets(incident, update, actor=actor)
    return update


@transaction.atomic
def publish_postmortem(incident: Incident, *, body: str, actor: Any = None) -> IncidentUpdate:
    """Publish the postmortem of a resolved incident (shown on the page; subscribers told)."""
    now = core_time.now()
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status not in CLOSED_STATUSES:
        raise ServiceError("resolve the incident before publishing its postmortem")
    if not body.strip():
        raise ServiceError("a postmortem needs a text")
    incident.status = IncidentStatus.POSTMORTEM
    incident.postmortem_body = body
    incident.postmortem_published_at = incident.updated_at = now
    incident.save(
        update_fields=["status", "postmortem_body", "postmortem_published_at", "updated_at"]
    )
    update = IncidentUpdate.objects.create(
        incident=incident, status=IncidentStatus.POSTMORTEM, body=body, display_at=now
    )
    bump(incident.page_id, now)
    tell_subscribers(incident, update)
    return update


@transaction.atomic
def backfill_times(
    incident: Incident,
    *,
    started_at: datetime | None = None,
    resolved_at: datetime | None = None,
) -> Incident:
    """Correct when an incident began or ended (history for uptime): the spans it holds
    move with it. ``resolved_at`` only on a resolved incident."""
    now = core_time.now()
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    new_start = started_at or incident.started_at
    new_end = resolved_at or incident.resolved_at
    if resolved_at is not None and incident.is_open:
        raise ServiceError(
            "resolve the incident first (post a resolved update); then correct resolved_at"
        )
    _check_times(new_start, new_end, now)
    spans = StatusSpan.objects.filter(source=SpanSource.INCIDENT, ref=str(incident.pk))
    if started_at is not None and started_at != incident.started_at:
        first = spans.filter(started_at=incident.started_at)
        if first.filter(ended_at__lte=started_at).exists():
            raise ServiceError("started_at would fall after a status change of the incident")
        first.update(started_at=started_at)
        incident.started_at = started_at
    if resolved_at is not None and resolved_at != incident.resolved_at:
        last = spans.filter(ended_at=incident.resolved_at)
        if last.filter(started_at__gte=resolved_at).exists():
            raise ServiceError("resolved_at would fall before a status change of the incident")
        last.update(ended_at=resolved_at)
        incident.resolved_at = resolved_at
    incident.updated_at = now
    incident.save(update_fields=["started_at", "resolved_at", "updated_at"])
    bump(incident.page_id, now)
    return incident


@transaction.atomic
def edit_incident(
    incident: Incident,
    *,
    name: str | None = None,
    impact: str | None = None,
    started_at: datetime | None = None,
    resolved_at: datetime | None = None,
) -> Incident:
    """Rename, re-rate, or correct the times of an incident (`backfill_times`)."""
    now = core_time.now()
    if impact is not None and impact not in Impact.values:
        raise ServiceError(f"unknown impact {impact!r}; use {', '.join(Impact.values)}")
    if name is not None and not name.strip():
        raise ServiceError("an incident needs a name")
    if started_at is not None or resolved_at is not None:
        incident = backfill_times(incident, started_at=started_at, resolved_at=resolved_at)
    fields = {k: v for k, v in {"name": name, "impact": impact}.items() if v is not None}
    if fields:
        Incident.objects.filter(pk=incident.pk).update(**fields, updated_at=now)
        bump(incident.page_id, now)
        incident.refresh_from_db()
    return incident
