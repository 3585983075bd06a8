"""``sladesk manage search_reindex [--after-id N] [--batch-size N] [--organization ID]``:
(re)build the search documents of every ticket, in batches by id (`search.reindex`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sladesk.tickets import search


class Command(BaseCommand):
    help = "Rebuild the tickets' full-text search documents, a batch per transaction (resumable)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--after-id", type=int, default=0, help="resume after this ticket id")
        parser.add_argument("--batch-size", type=int, default=1000, help="tickets per transaction")
        parser.add_argument(
            "--organization", type=int, default=None, help="only this organization's tickets"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        done = last = 0
        batches = search.reindex(
            after_id=options["after_id"],
            batch=max(1, options["batch_size"]),
            organization_id=options["organization"],
        )
        for last, done in batches:
            if options["verbosity"] > 1:
                self.stdout.write(f"indexed {done} tickets (last id {last})")
        self.stdout.write(f"indexed {done} tickets" + (f", last id {last}" if done else ""))
