"""SLA clocks: one row per ticket × metric, the live state of each promise."""

from __future__ import annotations

from datetime import timedelta

from django.db import models

__all__ = ["ClockState", "Metric", "SlaClock"]


class Metric(models.TextChoices):
    """What a clock measures (the policy's target names)."""

    FIRST_RESPONSE = "first_response", "First response"
    NEXT_UPDATE = "next_update", "Next update"
    RESOLUTION = "resolution", "Resolution"
    DISPATCH = "dispatch", "Dispatch"


class ClockState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    CANCELLED = "cancelled", "Cancelled"


class SlaClock(models.Model):
    """One SLA promise of one ticket (e.g. "first response within 4 business hours").

    Stored so that every answer is exact and cheap:

    - ``used`` is the working time consumed *before* ``running_since`` (in the clock's
      calendar, ``calendar_name`` of the ticket's policy snapshot);
    - while **running**, ``running_since`` is set and
      ``due_at = calendar.add(running_since, target_work - used)``; the working time
      remaining at ``now`` is ``target_work - used - calendar.elapsed(running_since, now)``;
    - while **paused** (pending), ``running_since`` and ``due_at`` are null and ``used`` holds
      everything consumed so far;
    - **met** / **breached** / **cancelled** are stopped: ``due_at`` is null. ``breached_at``
      is the instant the deadline passed (the old ``due_at``), even if noticed later; a
      breached clock that is later satisfied also gets ``met_at`` (met late).
    - ``warn_at`` is the instant ``policy.warn_at`` (e.g. 75 %) of the target is used.

    ``cycle`` counts restarts (next_update restarts on every public agent reply; resolution
    restarts after Particle's P1 is met by de-escalation). ``generation`` increments on
    every change: background timers carry it as a fencing token. ``pauses`` is the pause
    history ``[{"from": iso, "to": iso|null, "reason": "pending"}]`` for explanations.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="clocks")
    metric = models.CharField(max_length=32, choices=Metric.choices)
    state = models.CharField(max_length=16, choices=ClockState.choices, default=ClockState.RUNNING)
    started_at = models.DateTimeField()
    running_since = models.DateTimeField(null=True, blank=True)
    used = models.DurationField(default=timedelta(0))
    target_work = models.DurationField()
    target_text = models.CharField(max_length=200, blank=True, default="")
    calendar_name = models.CharField(max_length=100)
    due_at = models.DateTimeField(null=True, blank=True)
    warn_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    cycle = models.PositiveIntegerField(default=1)
    breach_count = models.PositiveIntegerField(default=0)
    generation = models.PositiveIntegerField(default=1)
    pauses = models.JSONField(default=list, blank=True)
    explanation = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("ticket_id", "metric")
        constraints = (
            models.UniqueConstraint(fields=["ticket", "metric"], name="sla_clock_ticket_metric"),
        )
        indexes = (
            # Running clocks by due instant, covering the ticket id (PostgreSQL; elsewhere a
            # plain partial index): ``breaching_before=`` and the timer views read only the
            # index, never the clock rows.
            models.Index(
                fields=["due_at"],
                include=["ticket"],
                name="sla_clock_running_due_cover",
                condition=models.Q(state="running"),
            ),
            # A ticket's running clocks in due order: the ``ordering=due`` next-due subquery.
            models.Index(
                fields=["ticket", "due_at"],
                name="sla_clock_running_ticket_due",
                condition=models.Q(state="running"),
            ),
            # the inbox's Breached view and count: clocks recorded breached, not met since
            models.Index(
                fields=["ticket"],
                name="sla_clock_breached_open_idx",
                condition=models.Q(state="breached", met_at__isnull=True),
            ),
        )

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.metric} {self.state}"

    @property
    def is_open(self) -> bool:
        """Running or paused: the promise is still to be kept."""
        return self.state in (ClockState.RUNNING, ClockState.PAUSED)
