"""Django admin for tickets: browse everything; ticket state is changed only by services.

Tickets, clocks and events are read-only here (services are the only writers of ticket
state, so the admin cannot silently skip the event log or the SLA clocks).
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    Attachment,
    Message,
    PolicyVersion,
    SlaClock,
    Tag,
    Ticket,
    TicketEvent,
    TicketLink,
)

__all__: list[str] = []


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ClockInline(ReadOnlyInline):
    model = SlaClock
    fields = ("metric", "state", "due_at", "used", "target_work", "met_at", "breached_at")
    readonly_fields = fields


class MessageInline(ReadOnlyInline):
    model = Message
    fk_name = "ticket"
    fields = ("created_at", "public", "from_customer", "author_user", "author_contact", "body_text")
    readonly_fields = fields


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ("at", "kind", "actor_label", "channel", "data")
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "subject",
        "organization",
        "priority",
        "status",
        "team",
        "assignee",
        "created_at",
    )
    list_filter = ("status", "priority", "policy_name", "team", "channel")
    search_fields = ("subject", "requester__email", "organization__name")
    list_select_related = ("organization", "team", "assignee")
    date_hierarchy = "created_at"
    inlines = (ClockInline, MessageInline, EventInline)


@admin.register(SlaClock)
class SlaClockAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "metric", "state", "due_at", "used", "target_work", "cycle")
    list_filter = ("metric", "state")
    list_select_related = ("ticket",)
    raw_id_fields = ("ticket",)


@admin.register(TicketEvent)
class TicketEventAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "at", "kind", "actor_label", "channel")
    list_filter = ("kind", "channel")
    list_select_related = ("ticket",)


@admin.register(Message)
class MessageAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "created_at", "public", "from_customer", "channel")
    list_filter = ("public", "from_customer", "channel")
    list_select_related = ("ticket",)


@admin.register(TicketLink)
class TicketLinkAdmin(ReadOnlyAdmin):
    list_display = ("source", "kind", "target", "created_at", "created_by")
    list_filter = ("kind",)
    list_select_related = ("source", "target", "created_by")


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    list_display = ("filename", "message", "content_type", "size")


@admin.register(PolicyVersion)
class PolicyVersionAdmin(ReadOnlyAdmin):
    list_display = ("name", "digest", "first_seen_at")
    list_filter = ("name",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ("name",)
