"""``manage.py load_demo``: load the demo desk (idempotent; see `sladesk.demo.data`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sladesk.demo import data

__all__ = ["Command"]


class Command(BaseCommand):
    help = "Load demo organizations, people, teams and tickets (does nothing if already loaded)."

    def handle(self, *args: Any, **options: Any) -> None:
        data.load(stdout=self.stdout.write)
