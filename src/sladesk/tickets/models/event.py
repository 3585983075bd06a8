"""The append-only log of everything that happened to a ticket."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sladesk.core.time import now

from .ticket import Channel

__all__ = ["EventKind", "TicketEvent"]


class EventKind(models.TextChoices):
    CREATED = "created"
    MESSAGE = "message"
    NOTE = "note"
    STATUS = "status"
    PRIORITY = "priority"
    ASSIGNED = "assigned"
    FIELDS = "fields"
    RULE = "rule"
    CLOCK = "clock"
    CUSTOMER_NOTICE = "customer_notice"
    POLICY = "policy"
    FOLLOW_UP = "follow_up"
    NOTIFY = "notify"
    PAGE = "page"
    ACTION = "action"
    MERGE = "merge"
    SPLIT = "split"
    LINK = "link"
    ATTACHMENT = "attachment"
    ESCALATION = "escalation"


class AppendOnlyError(RuntimeError):
    """A TicketEvent was about to be changed or deleted."""


class TicketEvent(models.Model):
    """One fact in a ticket's history: who (``actor_*``) did what (``kind``, ``data``), when, how.

    Append-only: `save` refuses to update an existing row and `delete` refuses. ``kind``
    ``clock`` events carry ``{"metric", "from", "to", "due_at", "reason", ...}`` so a report
    can replay exactly why a clock breached. ``actor_label`` names non-human actors
    (``system``, ``policy``) and is set for humans too (username or contact email), so
    the log stays readable after people are deleted.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=now)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_contact = models.ForeignKey(
        "accounts.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True, default="")
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.SYSTEM)
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ("at", "id")
        indexes = (models.Index(fields=["ticket", "at"], name="event_ticket_at_idx"),)

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind} at {self.at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise AppendOnlyError("ticket events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise AppendOnlyError("ticket events are append-only")
