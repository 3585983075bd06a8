"""``sladesk manage load_email_routes FILE``: create/update inbound addresses and IMAP
mailboxes from a YAML file (format: `sladesk.intake.routing`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sladesk.intake.routing import load_routes


class Command(BaseCommand):
    help = "Load email routes (addresses, IMAP mailboxes) from a YAML file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")

    def handle(self, *args: Any, **options: Any) -> None:
        addresses, mailboxes = load_routes(options["path"])
        self.stdout.write(f"email routes: {addresses} address(es), {mailboxes} mailbox(es)")
