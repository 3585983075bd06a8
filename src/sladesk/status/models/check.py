"""Built-in checks: HTTP, TCP and heartbeat probes that set a component's status."""

from __future__ import annotations

import secrets

from django.db import models

from sladesk.core.time import now

from .page import Component, ComponentStatus

__all__ = ["Check", "CheckKind"]


class CheckKind(models.TextChoices):
    HTTP = "http", "HTTP (status and body match)"
    TCP = "tcp", "TCP connect"
    HEARTBEAT = "heartbeat", "Heartbeat (the service calls us)"


def _token() -> str:
    return secrets.token_urlsafe(24)


class Check(models.Model):
    """A probe of one component, run by the ``status.checks`` periodic job.

    HTTP: GET ``target`` (a URL); up when the answer's status is ``expect_status`` and, if
    set, the body contains ``body_contains``. TCP: connect to ``target`` (``host:port``).
    Heartbeat: the service must call ``/status/heartbeat/<token>/`` at least every
    ``every_seconds``; a beat missing for longer is one failure per interval.

    Thresholds stop one failed probe from flapping the page: the component goes to
    ``down_status`` only after ``failures_to_down`` consecutive failures, and back after
    ``successes_to_up`` consecutive successes (``is_down`` is the check's verdict; the
    component's span with source ``check`` follows it).
    """

    component = models.ForeignKey(Component, on_delete=models.CASCADE, related_name="checks")
    name = models.CharField(max_length=200, blank=True, default="")
    kind = models.CharField(max_length=16, choices=CheckKind.choices)
    target = models.CharField(max_length=500, blank=True, default="")
    expect_status = models.PositiveSmallIntegerField(default=200)
    body_contains = models.CharField(max_length=500, blank=True, default="")
    every_seconds = models.PositiveIntegerField(default=60)
    timeout_seconds = models.FloatField(default=10.0)
    failures_to_down = models.PositiveSmallIntegerField(default=3)
    successes_to_up = models.PositiveSmallIntegerField(default=2)
    down_status = models.CharField(
        max_length=32, choices=ComponentStatus.choices, default=ComponentStatus.MAJOR
    )
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    enabled = models.BooleanField(default=True)
    failures = models.PositiveIntegerField(default=0)
    successes = models.PositiveIntegerField(default=0)
    is_down = models.BooleanField(default=False)
    down_since = models.DateTimeField(null=True, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_beat_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ("id",)

    def __str__(self) -> str:
        return self.name or f"{self.kind} {self.target}".strip()
