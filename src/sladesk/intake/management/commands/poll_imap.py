"""``sladesk manage poll_imap``: poll every enabled IMAP mailbox once, then process."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sladesk.intake.imap import poll_all
from sladesk.intake.pipeline import process_pending


class Command(BaseCommand):
    help = "Poll the enabled IMAP mailboxes once and process what was stored."

    def handle(self, *args: Any, **options: Any) -> None:
        stored = poll_all()
        processed = 0
        while True:
            step = process_pending()
            processed += step
            if not step:
                break
        self.stdout.write(f"imap: {stored} message(s) stored, {processed} processed")
