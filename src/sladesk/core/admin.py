"""Admin for the periodic jobs' slots: a read-only list."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import PeriodicRun

__all__: list[str] = []


@admin.register(PeriodicRun)
class PeriodicRunAdmin(admin.ModelAdmin):
    list_display = (
        "job",
        "slot",
        "state",
        "attempt",
        "worker",
        "started_at",
        "lease_until",
        "finished_at",
    )
    list_filter = ("state", "job")
    search_fields = ("job", "error")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
