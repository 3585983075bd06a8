"""Status pages, their components (grouped) and the status intervals behind uptime."""

from __future__ import annotations

import uuid

from django.db import models

from sladesk.core.time import now

__all__ = [
    "Component",
    "ComponentGroup",
    "ComponentStatus",
    "SpanSource",
    "StatusPage",
    "StatusSpan",
]


class ComponentStatus(models.TextChoices):
    """Atlassian Statuspage's component statuses (kept verbatim: widgets read them)."""

    OPERATIONAL = "operational", "Operational"
    DEGRADED = "degraded_performance", "Degraded performance"
    PARTIAL = "partial_outage", "Partial outage"
    MAJOR = "major_outage", "Major outage"
    MAINTENANCE = "under_maintenance", "Under maintenance"


class StatusPage(models.Model):
    """One public status page: a product or brand (``/status/<slug>/``).

    ``organization`` (optional) is the customer company whose policy holds the uptime
    promise the page is measured against (Houseware's 99.5%); ``policy_name`` overrides it.
    ``time_zone`` is where days and months are cut for uptime. ``revision`` increases with
    every change to anything the page shows: the public views' cache key and ETag.
    """

    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="status_pages",
    )
    policy_name = models.CharField(max_length=100, blank=True, default="")
    time_zone = models.CharField(max_length=64, default="UTC")
    is_default = models.BooleanField(default=False, help_text="served at /status/")
    public_id = models.CharField(max_length=32, unique=True, editable=False)
    revision = models.PositiveBigIntegerField(default=1)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ("-is_default", "name")

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.public_id:
            self.public_id = uuid.uuid4().hex[:12]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return self.name


class ComponentGroup(models.Model):
    """A heading that groups components on a page (e.g. "Device Cloud")."""

    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    position = models.PositiveIntegerField(default=0)
    public_id = models.CharField(max_length=32, unique=True, editable=False)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ("position", "id")

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.public_id:
            self.public_id = uuid.uuid4().hex[:12]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return self.name


class Component(models.Model):
    """A part of the service customers see on the page (API, dashboard, device cloud).

    ``status`` is derived, never set directly: the effective status of the open
    `StatusSpan` rows (`sladesk.status.uptime.worst`: maintenance first, then the worst);
    services recompute it on every change. ``start_date`` is where uptime history begins.
    """

    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="components")
    group = models.ForeignKey(
        ComponentGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="components"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    position = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=32, choices=ComponentStatus.choices, default=ComponentStatus.OPERATIONAL
    )
    showcase = models.BooleanField(default=True, help_text="show the 90-day uptime bar")
    only_show_if_degraded = models.BooleanField(default=False)
    start_date = models.DateField(null=True, blank=True)
    public_id = models.CharField(max_length=32, unique=True, editable=False)
    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ("position", "id")

    def save(self, *args: object, **kwargs: object) -> None:
        if not self.public_id:
            self.public_id = uuid.uuid4().hex[:12]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def __str__(self) -> str:
        return self.name


class SpanSource(models.TextChoices):
    MANUAL = "manual", "Set by hand"
    INCIDENT = "incident", "Incident"
    MAINTENANCE = "maintenance", "Maintenance"
    CHECK = "check", "Built-in check"


class StatusSpan(models.Model):
    """One source held ``component`` at ``status`` during ``[started_at, ended_at)``.

    The history uptime is computed from (`sladesk.status.uptime.StatusSpan`). A source
    (``source``, ``ref``: an incident id, a maintenance occurrence, a check id, ``manual``)
    has at most one open span per component (``ended_at`` null); spans of different
    sources may overlap.
    """

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="spans")
    status = models.CharField(max_length=32, choices=ComponentStatus.choices)
    source = models.CharField(max_length=16, choices=SpanSource.choices)
    ref = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("started_at", "id")
        indexes = [models.Index(fields=["component", "ended_at"], name="status_span_open")]
        constraints = [
            models.UniqueConstraint(
                fields=["component", "source", "ref"],
                condition=models.Q(ended_at__isnull=True),
                name="status_span_one_open_per_source",
            )
        ]
