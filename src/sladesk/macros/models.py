"""A macro: what one click does to a ticket."""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = ["Macro"]


class Macro(models.Model):
    """A canned public reply (``body``, with placeholders, see `sladesk.macros.render`)
    and field changes, applied together. ``owner`` None: shared (admins manage it);
    otherwise personal to that agent. Blank fields change nothing."""

    name = models.CharField(max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="macros",
    )
    body = models.TextField(
        blank=True, default="", help_text="public reply; placeholders like {{ requester.name }}"
    )
    status = models.CharField(max_length=20, blank=True, default="")
    priority = models.CharField(max_length=40, blank=True, default="")
    priority_reason = models.CharField(max_length=500, blank=True, default="")
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    assign_to_me = models.BooleanField(default=False, help_text="assign to the agent applying it")
    tags = models.CharField(
        max_length=500, blank=True, default="", help_text="comma separated, added"
    )

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def shared(self) -> bool:
        return self.owner_id is None

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]
