"""Durable timers: one row per future moment of an SLA clock (or of a page's repeat)."""

from __future__ import annotations

from django.db import models

from sladesk.core.time import now

__all__ = ["Timer", "TimerKind", "TimerState"]


class TimerKind(models.TextChoices):
    WARNING = "warning", "Warning"
    BREACH = "breach", "Breach"
    PAGE_REPEAT = "page_repeat", "Page repeat"
    ESCALATION = "escalation", "Escalation (a ladder rung's after:)"


class TimerState(models.TextChoices):
    PENDING = "pending", "Pending"
    FIRED = "fired", "Fired"
    CANCELLED = "cancelled", "Cancelled"


class Timer(models.Model):
    """A moment at which something must happen: a clock's warning or breach, a page's repeat,
    a ticket's climb to the next rung of its escalation ladder.

    A clock has at most one timer per kind (``warning``, ``breach``); a page at most one
    ``page_repeat``; a ticket at most one ``escalation`` (no clock, no page; its
    ``generation`` is the ladder level the ticket was on when it was armed). The row is
    moved (``fire_at``) or cancelled in the same transaction as
    the clock change that causes it (`sladesk.notify.timers.sync_clock_timers`), so a
    million open clocks cost a million index entries, never a queue backlog.

    ``generation`` is the clock's (or page's) generation when the timer was scheduled: the
    worker fires only when it still matches (a fencing token against stale timers).
    ``cycle`` is the clock's cycle, so a warning given in this cycle is not given again
    after a pause. ``fire_at`` is an aware UTC instant; the worker compares it with the
    database's clock. ``late`` is set when the timer fired more than
    ``SLADESK_NOTIFY["late_after"]`` seconds after ``fire_at`` (e.g. after downtime).
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="timers")
    clock = models.ForeignKey(
        "tickets.SlaClock", on_delete=models.CASCADE, null=True, blank=True, related_name="timers"
    )
    page = models.ForeignKey(
        "notify.Page", on_delete=models.CASCADE, null=True, blank=True, related_name="timers"
    )
    kind = models.CharField(max_length=16, choices=TimerKind.choices)
    fire_at = models.DateTimeField()
    generation = models.PositiveIntegerField()
    cycle = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=16, choices=TimerState.choices, default=TimerState.PENDING)
    late = models.BooleanField(default=False)
    fired_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ("fire_at", "id")
        constraints = (
            models.UniqueConstraint(
                fields=["clock", "kind"],
                name="notify_timer_clock_kind",
                condition=models.Q(clock__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["page", "kind"],
                name="notify_timer_page_kind",
                condition=models.Q(page__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["ticket"],
                name="notify_timer_ticket_escalation",
                condition=models.Q(kind="escalation"),
            ),
        )
        indexes = (
            models.Index(
                fields=["fire_at"],
                name="notify_timer_due_idx",
                condition=models.Q(state="pending"),
            ),
        )

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.kind} at {self.fire_at:%Y-%m-%d %H:%M:%S} ({self.state})"
