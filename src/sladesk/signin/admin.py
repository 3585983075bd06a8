"""Admin: see and revoke API tokens; demand or reset a user's two-factor."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from sladesk.core.time import now

from .models import ApiToken, SecondFactor

__all__ = ["ApiTokenAdmin", "SecondFactorAdmin"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    exclude = ("digest", "password_stamp")
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are issued by their owner (API), never typed into the admin

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=now())
        self.message_user(request, f"{count} token(s) revoked.")


@admin.register(SecondFactor)
class SecondFactorAdmin(admin.ModelAdmin):
    """Tick ``required`` to make a user enrol at their next sign-in; "reset" removes a lost
    authenticator (the user enrols again)."""

    list_display = ("user", "required", "confirmed_at")
    list_filter = ("required",)
    search_fields = ("user__username",)
    fields = ("user", "required", "confirmed_at")
    readonly_fields = ("confirmed_at",)
    autocomplete_fields = ("user",)
    actions = ("reset",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        return ("user", "confirmed_at") if obj is not None else ("confirmed_at",)

    @admin.action(description="Reset (the user sets up a new authenticator)")
    def reset(self, request: HttpRequest, queryset: QuerySet[SecondFactor]) -> None:
        count = queryset.update(secret="", confirmed_at=None, last_step=0)
        self.message_user(request, f"{count} authenticator(s) reset.")
