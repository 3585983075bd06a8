"""What the desk stores for its own pages: saved inbox views."""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = ["SavedView"]


class SavedView(models.Model):
    """A named inbox: a base view (``mine``, ``breached``, …), filters and a sort, as the
    inbox's query string parameters (``query``: {"view": "breached", "priority": "P1",
    "sort": "newest", …}, only the keys the inbox knows). ``owner`` None: shared with every
    agent (admins add and delete those); otherwise personal."""

    name = models.CharField(max_length=60)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_views",
    )
    query = models.JSONField(default=dict)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name
