"""Scheduled maintenance: one-off windows or recurring ones in a time zone."""

from __future__ import annotations

import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models

from sladesk.core.time import now

from ..schedule import Recurrence
from .page import Component, StatusPage

__all__ = ["Maintenance", "MaintenanceStatus"]


class MaintenanceStatus(models.TextChoices):
    """Statuspage's scheduled-maintenance statuses."""

    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    VERIFYING = "verifying", "Verifying"
    COMPLETED = "completed", "Completed"


class Maintenance(models.Model):
    """Announced work that takes components down on purpose: left out of uptime, and (where
    the policy says ``uptime.maintenance_silences_pages``) out of breach pages.

    One-off: ``[scheduled_for, scheduled_until)``. Recurring (``frequency`` set): the
    windows of `sladesk.status.schedule.Recurrence` — local ``at_time`` in ``time_zone``
    for ``duration_minutes`` on the picked days from ``first_day`` to ``last_day``. The
    ``status.maintenance`` periodic job moves components to ``under_maintenance`` and back
    (spans backdated to the exact window edges, so uptime does not depend on job latency).
    """

    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="maintenances")
    name = models.CharField(max_length=300)
    body = models.TextField(blank=True, default="")
    components = models.ManyToManyField(Component, related_name="maintenances", blank=True)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    scheduled_until = models.DateTimeField(null=True, blank=True)
    frequency = models.CharField(
        max_length=8,
        blank=True,
        default="",
        choices=[("", "one-off"), ("daily", "daily"), ("weekly", "weekly"), ("monthly", "monthly")],
    )
    at_time = models.TimeField(null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    weekdays = models.JSONField(default=list, blank=True, help_text="0 = Monday … 6 = Sunday")
    day_of_month = models.PositiveSmallIntegerField(null=True, blank=True)
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    public_id = models.CharField(max_length=32, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ("scheduled_for", "id")

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.public_id:
            self.public_id = uuid.uuid4().hex[:12]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def recurrence(self) -> Recurrence | None:
        """The recurring rule (None for a one-off window)."""
        if not self.frequency:
            return None
        return Recurrence(
            self.frequency,  # type: ignore[arg-type]
            self.at_time,  # type: ignore[arg-type]
            timedelta(minutes=self.duration_minutes or 0),
            ZoneInfo(self.time_zone),
            self.first_day,  # type: ignore[arg-type]
            self.last_day,
            frozenset(self.weekdays or ()),
            self.day_of_month,
        )

    def __str__(self) -> str:
        return self.name
