"""Pages: on-call was called for a ticket, until someone acknowledges or the clock is met."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from sladesk.core.time import now

__all__ = ["Page", "PageState"]


def _new_key() -> str:
    return f"sladesk-page-{uuid.uuid4().hex}"


class PageState(models.TextChoices):
    TRIGGERED = "triggered", "Triggered"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


class Page(models.Model):
    """One call to on-call about one ticket (a P1 opened, a dispatch target missed ...).

    ``key`` is the page key: the idempotency key of its PagerDuty trigger, acknowledge and
    resolve events (PagerDuty's ``dedup_key``), so all three concern one incident. A
    triggered page repeats every ``SLADESK_NOTIFY["page_repeat_minutes"]`` until it is
    acknowledged (`sladesk.notify.pages.acknowledge_page`) or ``clock`` — the promise the
    page is about — is met or cancelled, which resolves it. ``generation`` fences the repeat
    timer: it increments on every repeat, acknowledgement and resolution. ``team`` is whose
    paging target was used (the ticket's team or the default on-call team).
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="pages")
    clock = models.ForeignKey(
        "tickets.SlaClock", on_delete=models.SET_NULL, null=True, blank=True, related_name="pages"
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="pages"
    )
    key = models.CharField(max_length=64, unique=True, default=_new_key, editable=False)
    reason = models.TextField()
    state = models.CharField(max_length=16, choices=PageState.choices, default=PageState.TRIGGERED)
    repeats = models.PositiveIntegerField(default=0)
    generation = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=now, editable=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_via = models.CharField(max_length=16, blank=True, default="")
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (
            models.Index(
                fields=["clock"],
                name="notify_page_open_clock_idx",
                condition=~models.Q(state="resolved"),
            ),
        )

    def __str__(self) -> str:
        return f"page {self.pk} #{self.ticket_id} ({self.state})"
