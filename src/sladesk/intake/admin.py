"""Admin for the email channel: routes and mailboxes (editable), received mail (read-only
apart from its organization) with "retry" and "create ticket" actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from sladesk.accounts.admin import OrganizationAdmin

from .models import EmailMessageId, ImapMailbox, InboundAddress, InboundMessage, InboundState
from .pipeline import retry

__all__: list[str] = []


@admin.register(InboundAddress)
class InboundAddressAdmin(admin.ModelAdmin):
    list_display = ("address", "organization", "team", "default_priority", "kind", "enabled")
    list_filter = ("kind", "enabled", "team")
    search_fields = ("address", "organization__name")


class EmailAliasInline(admin.TabularInline):
    """An organization's email aliases on its admin page: its `InboundAddress` rows, the
    same rows as *Inbound addresses* and the API's ``email_aliases``."""

    model = InboundAddress
    fk_name = "organization"
    extra = 0
    fields = ("address", "team", "default_priority", "kind", "enabled")
    verbose_name = "email alias (inbound address)"
    verbose_name_plural = "email aliases (inbound addresses)"


# the organization's page lists its aliases (accounts cannot import intake; intake may)
OrganizationAdmin.inlines = (*OrganizationAdmin.inlines, EmailAliasInline)  # type: ignore[assignment]


class ImapMailboxForm(forms.ModelForm):
    """The password is write-only: never rendered back (not even encrypted); left blank on
    an existing mailbox it stays as stored."""

    password = forms.CharField(
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text="Stored encrypted. Leave blank to keep the current password.",
    )

    class Meta:
        model = ImapMailbox
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["password"] = ""

    def clean_password(self) -> str:
        entered = str(self.cleaned_data.get("password") or "")
        if not entered and self.instance.pk is not None:
            return str(ImapMailbox.objects.get(pk=self.instance.pk).password)
        return entered


@admin.register(ImapMailbox)
class ImapMailboxAdmin(admin.ModelAdmin):
    form = ImapMailboxForm
    list_display = (
        "name",
        "host",
        "port",
        "username",
        "folder",
        "processed_folder",
        "enabled",
        "last_polled_at",
        "last_error",
    )
    readonly_fields = ("last_polled_at", "last_error")


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "received_at",
        "state",
        "from_address",
        "subject",
        "ticket_link",
        "reason_short",
        "source",
    )
    list_filter = ("state", "source")
    search_fields = ("message_id", "from_address", "subject", "=ticket__id")
    date_hierarchy = "received_at"
    actions = ("retry", "create_ticket")
    fields = (
        "state",
        "reason",
        "organization",
        "ticket",
        "ticket_message",
        "route",
        "from_address",
        "subject",
        "message_id",
        "envelope_from",
        "envelope_to",
        "source",
        "received_at",
        "processed_at",
        "attempts",
        "size",
        "quoted_text",
        "raw_text",
    )
    readonly_fields = tuple(f for f in fields if f != "organization")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description="ticket")
    def ticket_link(self, obj: InboundMessage) -> str:
        return format_html("#{}", obj.ticket_id) if obj.ticket_id else ""

    @admin.display(description="reason")
    def reason_short(self, obj: InboundMessage) -> str:
        return obj.reason[:120]

    @admin.display(description="raw message (first 64 KB)")
    def raw_text(self, obj: InboundMessage) -> str:
        return bytes(obj.raw[:65536]).decode("utf-8", "replace")

    @admin.action(description="Retry processing (after fixing routes or contacts)")
    def retry(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        self._report(request, retry(list(queryset.values_list("id", flat=True))))

    @admin.action(description="Create ticket (accept the sender; skip loop checks)")
    def create_ticket(self, request: HttpRequest, queryset: QuerySet[InboundMessage]) -> None:
        self._report(request, retry(list(queryset.values_list("id", flat=True)), accept=True))

    def _report(self, request: HttpRequest, results: list[InboundMessage]) -> None:
        done = [
            r
            for r in results
            if r.state in (InboundState.TICKET, InboundState.REPLY, InboundState.DUPLICATE)
        ]
        messages.info(request, f"{len(done)} of {len(results)} message(s) now on a ticket.")
        for r in results:
            if r.state == InboundState.QUARANTINED:
                messages.warning(request, f"#{r.pk} still quarantined: {r.reason}")


@admin.register(EmailMessageId)
class EmailMessageIdAdmin(admin.ModelAdmin):
    list_display = ("message_id", "direction", "ticket", "created_at")
    list_filter = ("direction",)
    search_fields = ("message_id", "=ticket__id")
    raw_id_fields = ("ticket", "ticket_message")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
