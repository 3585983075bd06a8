"""Django admin: read and tidy status-page rows (changes of state go through the API)."""

from __future__ import annotations

from django.contrib import admin

from .models import Check, Component, ComponentGroup, Incident, Maintenance, StatusPage, Subscriber

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
    readonly_fields = ("failures", "successes", "is_down", "down_since", "last_checked_at", "last_beat_at")


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ("__str__", "page", "kind", "confirmed_at", "unsubscribed_at")
    exclude = ("webhook_secret",)
