"""``sladesk manage notify_prune [--days N]``: delete old fired timers and delivered rows."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sladesk.notify.health import prune


class Command(BaseCommand):
    help = (
        "Delete fired/cancelled timers of finished clocks and delivered outbox rows "
        "older than N days."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=float, default=None, help="default SLADESK_NOTIFY keep_days (30)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        timers, rows = prune(keep_days=options["days"])
        self.stdout.write(f"pruned {timers} timers and {rows} outbox rows")
