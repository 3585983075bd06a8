"""``sladesk manage reports_rebuild``: recompute the report facts and rollup from the clocks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sladesk.reports.rollup import rebuild


class Command(BaseCommand):
    help = "Recompute the SLA report facts and the attainment rollup from the clock rows."

    def handle(self, *args: Any, **options: Any) -> None:
        n = rebuild()
        self.stdout.write(f"rebuilt the report rollup from {n} clocks")
