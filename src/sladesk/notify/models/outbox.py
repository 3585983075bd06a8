"""The transactional outbox: notifications written with the change that caused them."""

from __future__ import annotations

from django.db import models

from sladesk.core.time import now

__all__ = ["CLAIMABLE", "OutboxMessage", "OutboxState"]


class OutboxState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    RETRY = "retry", "Waiting to retry"
    DEAD = "dead", "Dead (gave up)"


#: States a delivery worker may claim once ``next_attempt_at`` has passed. ``sending`` is
#: among them: for a claimed row ``next_attempt_at`` is the end of the claim's lease, so a
#: row whose worker died mid-delivery becomes claimable again when the lease runs out.
CLAIMABLE = (OutboxState.QUEUED, OutboxState.RETRY, OutboxState.SENDING)


class OutboxMessage(models.Model):
    """One notification to one destination, inserted in the transaction that caused it.

    ``idempotency_key`` is unique: the same event inserting the row twice inserts it once
    (timer firings use ``timer:<id>:<generation>:<kind>:<destination>``). ``payload`` holds
    the `sladesk.notify.Notification` fields, whose own ``idempotency_key`` is what the
    receiver sees (for a page, the page key shared by trigger/acknowledge/resolve).
    ``destination`` is a reference (``team:<id>``, ``user:<id>``): URLs, routing keys and
    addresses are looked up at send time and never stored here or in ``last_error``.

    ``attempts`` counts claimed attempts; a claim sets ``state=sending`` and
    ``next_attempt_at`` to the end of its lease, and the result is recorded only if the
    row is still that claim (``attempts`` is the fencing token).
    """

    idempotency_key = models.CharField(max_length=255, unique=True)
    channel = models.CharField(max_length=16)
    destination = models.CharField(max_length=100)
    purpose = models.CharField(max_length=32, blank=True, default="")
    payload = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=OutboxState.choices, default=OutboxState.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=now)
    last_status = models.IntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="outbox"
    )
    page = models.ForeignKey(
        "notify.Page", on_delete=models.SET_NULL, null=True, blank=True, related_name="outbox"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(default=now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (
            models.Index(
                fields=["next_attempt_at"],
                name="notify_outbox_due_idx",
                condition=models.Q(state__in=["queued", "retry", "sending"]),
            ),
            models.Index(fields=["state", "created_at"], name="notify_outbox_state_idx"),
        )

    def __str__(self) -> str:
        return f"{self.channel} {self.purpose} {self.idempotency_key} ({self.state})"
