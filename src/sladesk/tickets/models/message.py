"""Messages on a ticket (public replies and internal notes) and their attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sladesk.core.time import now

from .ticket import Channel

__all__ = ["Attachment", "Message"]


class Message(models.Model):
    """A public reply (seen by the customer) or an internal note (agents only) on a ticket.

    Exactly one author is set: ``author_user`` for staff (or a contact acting through a
    login) or ``author_contact`` for the customer person. ``from_customer`` says which side
    wrote it (it drives the SLA clocks). ``body_html`` is sanitized with ``nh3`` before
    storage; ``body_text`` is the plain text. ``origin_ticket`` is set when a merge or a
    split moved the message here from another ticket (null: written on this ticket).
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="messages")
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ticket_messages",
    )
    author_contact = models.ForeignKey(
        "accounts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="messages",
    )
    from_customer = models.BooleanField(default=False)
    public = models.BooleanField(default=True)
    body_text = models.TextField(blank=True, default="")
    body_html = models.TextField(blank=True, default="")
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    created_at = models.DateTimeField(default=now)
    origin_ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        db_index=False,
        related_name="+",
        help_text="the ticket it was written on, when a merge or split moved it here",
    )

    class Meta:
        ordering = ("created_at", "id")
        indexes = (models.Index(fields=["ticket", "created_at"], name="message_ticket_idx"),)

    def __str__(self) -> str:
        kind = "reply" if self.public else "note"
        return f"{kind} on #{self.ticket_id} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_internal_note(self) -> bool:
        return not self.public


class Attachment(models.Model):
    """A file attached to a message (stored under ``MEDIA_ROOT/attachments/``)."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=200, blank=True, default="")
    size = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return self.filename
