"""Admin for timers, pages and the outbox: read-only lists, plus "retry" for dead rows."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import OutboxMessage, Page, Timer
from .outbox import requeue

__all__: list[str] = []


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Timer)
class TimerAdmin(_ReadOnly):
    list_display = ("id", "ticket", "kind", "fire_at", "state", "late", "fired_at", "generation")
    list_filter = ("state", "kind", "late")
    search_fields = ("=ticket__id",)
    raw_id_fields = ("ticket", "clock", "page")
    date_hierarchy = "fire_at"


@admin.register(Page)
class PageAdmin(_ReadOnly):
    list_display = (
        "id",
        "ticket",
        "team",
        "state",
        "reason",
        "repeats",
        "created_at",
        "acknowledged_at",
    )
    list_filter = ("state",)
    raw_id_fields = ("ticket", "clock")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(_ReadOnly):
    list_display = (
        "id",
        "created_at",
        "channel",
        "purpose",
        "destination",
        "state",
        "attempts",
        "next_attempt_at",
        "last_status",
        "last_error",
    )
    list_filter = ("state", "channel", "purpose")
    search_fields = ("idempotency_key", "=ticket__id")
    raw_id_fields = ("ticket", "page")
    actions = ("retry_dead",)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return bool(request.user.is_superuser)  # lets the admin run the retry action

    def get_readonly_fields(self, request: HttpRequest, obj: object = None) -> list[str]:
        return [f.name for f in OutboxMessage._meta.fields]

    @admin.action(description="Retry the selected dead notifications")
    def retry_dead(self, request: HttpRequest, queryset: QuerySet[OutboxMessage]) -> None:
        count = requeue(queryset.values_list("pk", flat=True))
        messages.info(request, f"{count} dead notification(s) queued again")
