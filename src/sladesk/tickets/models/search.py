"""The search document of a ticket (the table of `sladesk.tickets.search`)."""

from __future__ import annotations

from django.db import models

__all__ = ["TicketSearchDocument"]


class TicketSearchDocument(models.Model):
    """The full-text search document of one ticket: its subject, people, public messages
    and internal notes, normalised for matching (see `sladesk.tickets.search`).

    The table differs by database (PostgreSQL: tsvector columns with a GIN index; SQLite:
    an FTS5 virtual table keyed by ``rowid``), so it is created by migration ``0008`` with
    SQL and read and written only with SQL in `sladesk.tickets.search`, never through this
    model. The model exists so Django knows the table (``flush`` empties it with the
    tickets). ``DO_NOTHING``: PostgreSQL deletes a ticket's document by its foreign key.
    """

    ticket = models.OneToOneField(
        "tickets.Ticket",
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        db_table = "ticket_search"

    def __str__(self) -> str:
        return f"search document of #{self.pk}"
