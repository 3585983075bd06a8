"""Components: create them, set their status by hand."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from sladesk.core import time as core_time

from ..models import Component, ComponentGroup, ComponentStatus, SpanSource, StatusPage
from ._common import ServiceError, bump, hold

__all__ = ["create_component", "set_component_status", "update_component"]


@transaction.atomic
def create_component(
    page: StatusPage,
    *,
    name: str,
    description: str = "",
    group: ComponentGroup | str | None = None,
    position: int | None = None,
    showcase: bool = True,
) -> Component:
    """Add a component to ``page`` (``group``: an existing group or a new group's name)."""
    now = core_time.now()
    if not name.strip():
        raise ServiceError("a component needs a name")
    if isinstance(group, str):
        group, _ = ComponentGroup.objects.get_or_create(page=page, name=group.strip())
    if group is not None and group.page_id != page.pk:
        raise ServiceError("the group belongs to another status page")
    if position is None:
        position = Component.objects.filter(page=page).count()
    component = Component.objects.create(
        page=page,
        group=group,
        name=name.strip()[:200],
        description=description,
        position=position,
        showcase=showcase,
        start_date=now.date(),
        created_at=now,
        updated_at=now,
    )
    bump(page.pk, now)
    return component


@transaction.atomic
def set_component_status(component: Component, status: str, *, actor: Any = None) -> Component:
    """Set the status by hand (``operational`` lets go of the hand-set status; an incident,
    a check or maintenance holding the component still shows)."""
    if status not in ComponentStatus.values:
        raise ServiceError(f"unknown status {status!r}; use {', '.join(ComponentStatus.values)}")
    if status == ComponentStatus.MAINTENANCE:
        raise ServiceError("under_maintenance comes from scheduled maintenance; schedule a window")
    component = Component.objects.select_for_update().get(pk=component.pk)
    hold(component, SpanSource.MANUAL, "manual", status, core_time.now())
    return component


@transaction.atomic
def update_component(
    component: Component,
    *,
    actor: Any = None,
    status: str | None = None,
    name: str | None = None,
    description: str | None = None,
    position: int | None = None,
    showcase: bool | None = None,
) -> Component:
    """Rename, describe, reorder or (``status``) set a component's status by hand."""
    now = core_time.now()
    fields = {"name": name, "description": description, "position": position, "showcase": showcase}
    changed = {k: v for k, v in fields.items() if v is not None}
    if "name" in changed and not str(changed["name"]).strip():
        raise ServiceError("a component needs a name")
    if changed:
        Component.objects.filter(pk=component.pk).update(**changed, updated_at=now)
        bump(component.page_id, now)
    if status is not None:
        set_component_status(component, status, actor=actor)
    component.refresh_from_db()
    return component
