"""Relations between tickets: related (symmetric), merged into, split from."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sladesk.core.time import now

__all__ = ["LinkKind", "TicketLink"]


class LinkKind(models.TextChoices):
    """What a `TicketLink` says about its two tickets.

    ``related``: the two are about the same thing (symmetric; stored once with
    ``source_id < target_id``). ``merged``: ``source`` was merged into ``target`` (its
    messages moved there; ``source`` is closed). ``split``: ``source`` was split off
    ``target`` (some of ``target``'s messages moved to the new ``source``).
    """

    RELATED = "related", "Related"
    MERGED = "merged", "Merged into"
    SPLIT = "split", "Split from"
    FOLLOW_UP = "follow_up", "Follow-up of"


class TicketLink(models.Model):
    """One relation between two tickets, written only by the link/merge/split services.

    Follow-up tickets also keep ``Ticket.follow_up_of`` (the API shows it); `open_ticket`
    writes both. Listed by `selectors.related_tickets`.
    """

    source = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=16, choices=LinkKind.choices)
    created_at = models.DateTimeField(default=now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ("created_at", "id")
        constraints = (
            models.UniqueConstraint(fields=["source", "target", "kind"], name="ticket_link_unique"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="ticket_link_not_self"
            ),
        )

    def __str__(self) -> str:
        return f"#{self.source_id} {self.kind} #{self.target_id}"
