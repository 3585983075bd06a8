"""The satisfaction rating of a solved ticket."""

from __future__ import annotations

from django.conf import settings
from django.db import models

__all__ = ["Rating", "SatisfactionRating"]


class Rating(models.TextChoices):
    GOOD = "good", "Good"
    BAD = "bad", "Bad"


class SatisfactionRating(models.Model):
    """The survey of one ticket: created (and mailed) when the ticket is first solved,
    answered once by its requester (by the signed mail link or in the portal).

    ``agent`` and ``team`` are who had the ticket when it was solved (what the results are
    grouped by, kept when the ticket is reassigned later). ``rating`` is empty until the
    requester answers; the first answer is final (see `sladesk.satisfaction.services`),
    the comment can be added once afterwards.
    """

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="satisfaction"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    requester = models.ForeignKey(
        "accounts.Contact", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    solved_at = models.DateTimeField()
    rating = models.CharField(max_length=4, choices=Rating.choices, blank=True, default="")
    comment = models.TextField(blank=True, default="")
    via = models.CharField(max_length=10, blank=True, default="", help_text="email link or portal")
    rated_at = models.DateTimeField(null=True, blank=True)
    commented_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["rated_at"], name="csat_rated_idx")]

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.rating or 'not rated'}"
