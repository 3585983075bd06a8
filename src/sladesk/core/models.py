"""Base model helpers shared by the apps (abstract; no tables of their own)."""

from __future__ import annotations

from django.db import models

from .clock import now

__all__ = ["TimestampedModel"]


class TimestampedModel(models.Model):
    """A row that remembers when it was created and last changed (aware UTC instants)."""

    created_at = models.DateTimeField(default=now, editable=False)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        abstract = True
