"""Admin for on-call: schedules (rotations, overrides inline), escalation policies (steps
inline; saving bumps the version pages snapshot), personal notification rules, and the
read-only escalation state of pages. Inputs are validated by the models' ``clean``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    CalendarFeed,
    EscalationPolicy,
    EscalationStep,
    NotificationRule,
    Override,
    PageEscalation,
    Rotation,
    Schedule,
)
from .services.policies import bump_version

__all__: list[str] = []


class RotationInline(admin.StackedInline):
    model = Rotation
    extra = 0


class OverrideInline(admin.TabularInline):
    model = Override
    extra = 0
    raw_id_fields = ("user", "replaces", "created_by")


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "timezone", "created_at")
    list_filter = ("team",)
    readonly_fields = ("ical_token",)
    inlines = (RotationInline, OverrideInline)


class StepInline(admin.TabularInline):
    model = EscalationStep
    extra = 0
    raw_id_fields = ("user",)


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):
    list_display = ("name", "team", "repeat", "timezone", "version")
    readonly_fields = ("version",)
    inlines = (StepInline,)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if change:
            bump_version(form.instance)


@admin.register(NotificationRule)
class NotificationRuleAdmin(admin.ModelAdmin):
    list_display = ("user", "channel", "delay_minutes")
    list_filter = ("channel",)
    raw_id_fields = ("user",)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at")
    raw_id_fields = ("user",)
    readonly_fields = ("token",)


@admin.register(PageEscalation)
class PageEscalationAdmin(admin.ModelAdmin):
    list_display = ("page", "policy", "event", "step", "round", "nobody", "created_at")
    list_filter = ("event", "nobody")
    raw_id_fields = ("page", "policy")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
