"""Django admin: read and tidy status-page rows (changes of state go through the API)."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import admin

from sladesk.core.time import now

from .models import (
    Check,
    Component,
    ComponentGroup,
    Incident,
    Maintenance,
    StatusPage,
    Subscriber,
    SubscriberKind,
)

__all__: list[str] = []


@admin.register(StatusPage)
class StatusPageAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "organization", "time_zone", "is_default", "revision")
    search_fields = ("name", "slug")


@admin.register(ComponentGroup)
class ComponentGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "page", "position")


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    list_display = ("name", "page", "group", "status", "position")
    list_filter = ("page", "status")
    readonly_fields = ("status",)


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("name", "page", "status", "impact", "started_at", "resolved_at")
    list_filter = ("page", "status")
    readonly_fields = ("status", "started_at", "resolved_at")


@admin.register(Maintenance)
class MaintenanceAdmin(admin.ModelAdmin):
    list_display = ("name", "page", "scheduled_for", "scheduled_until", "frequency", "cancelled_at")


@admin.register(Check)
class CheckAdmin(admin.ModelAdmin):
    list_display = ("__str__", "component", "kind", "is_down", "failures", "last_checked_at")
    readonly_fields = (
        "failures",
        "successes",
        "is_down",
        "down_since",
        "last_checked_at",
        "last_beat_at",
    )


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    """A webhook added here is active at once; its signing secret is typed in when it is
    added (the receiver needs it) and never shown again. An e-mail address added here
    still needs its owner's confirmation."""

    list_display = ("__str__", "page", "kind", "confirmed_at", "unsubscribed_at")

    def get_exclude(self, request: Any, obj: Subscriber | None = None) -> tuple[str, ...]:
        hidden = ("confirmed_at", "unsubscribed_at")
        return hidden if obj is None else (*hidden, "webhook_secret")

    def save_model(self, request: Any, obj: Subscriber, form: Any, change: bool) -> None:
        if not change and obj.kind == SubscriberKind.WEBHOOK:
            obj.webhook_secret = obj.webhook_secret or secrets.token_urlsafe(32)
            obj.confirmed_at = now()
        super().save_model(request, obj, form, change)
