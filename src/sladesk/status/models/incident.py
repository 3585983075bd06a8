"""Incidents with their updates and affected components, and the tickets linked to them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from sladesk.core.time import now

from .page import Component, ComponentStatus, StatusPage

__all__ = [
    "Impact",
    "Incident",
    "IncidentComponent",
    "IncidentStatus",
    "IncidentUpdate",
    "TicketIncident",
]


class IncidentStatus(models.TextChoices):
    """Statuspage's incident statuses, in order; ``postmortem`` follows ``resolved``."""

    INVESTIGATING = "investigating", "Investigating"
    IDENTIFIED = "identified", "Identified"
    MONITORING = "monitoring", "Monitoring"
    RESOLVED = "resolved", "Resolved"
    POSTMORTEM = "postmortem", "Postmortem"


#: Statuses after which an incident no longer holds its components down.
CLOSED_STATUSES = frozenset({IncidentStatus.RESOLVED, IncidentStatus.POSTMORTEM})


class Impact(models.TextChoices):
    """Statuspage's impact levels (``maintenance`` is for scheduled maintenance)."""

    NONE = "none", "None"
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


class Incident(models.Model):
    """Something is wrong (or was): what customers read on the page and get told.

    ``started_at`` is when the trouble began (it may precede ``created_at``: a backfilled
    incident); ``resolved_at`` when it ended. While open, each `IncidentComponent` holds
    its component at its status (a `StatusSpan` with source ``incident``).
    """

    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="incidents")
    name = models.CharField(max_length=300)
    status = models.CharField(
        max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.INVESTIGATING
    )
    impact = models.CharField(max_length=16, choices=Impact.choices, default=Impact.MINOR)
    components = models.ManyToManyField(
        Component, through="IncidentComponent", related_name="incidents", blank=True
    )
    started_at = models.DateTimeField()
    monitoring_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    postmortem_body = models.TextField(blank=True, default="")
    postmortem_published_at = models.DateTimeField(null=True, blank=True)
    public_id = models.CharField(max_length=32, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ("-started_at", "-id")
        indexes = [models.Index(fields=["page", "resolved_at"], name="status_incident_open")]

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.public_id:
            self.public_id = uuid.uuid4().hex[:12]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    def __str__(self) -> str:
        return self.name


class IncidentComponent(models.Model):
    """A component an incident affects, and the status the incident holds it at."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="affected")
    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=32, choices=ComponentStatus.choices, default=ComponentStatus.MAJOR
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "component"], name="status_incident_component"
            )
        ]


class IncidentUpdate(models.Model):
    """One message posted on an incident (investigating → … → resolved, postmortem).

    ``affected_components`` records the status changes it made, as Statuspage shows them:
    ``[{"code", "name", "old_status", "new_status"}]``.
    """

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(max_length=16, choices=IncidentStatus.choices)
    body = models.TextField()
    affected_components = models.JSONField(default=list, blank=True)
    public_id = models.CharField(max_length=32, unique=True, editable=False)
    display_at = models.DateTimeField()
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ("-display_at", "-id")

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.public_id:
            self.public_id = uuid.uuid4().hex[:12]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class TicketIncident(models.Model):
    """A ticket is about an incident: its requester is told when the incident resolves
    (``told_at``). One incident per ticket."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="status_incident"
    )
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="ticket_links")
    linked_at = models.DateTimeField(default=now)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    told_at = models.DateTimeField(null=True, blank=True)
