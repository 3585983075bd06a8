"""``sladesk manage smtp_server [--bind HOST:PORT]``: the SMTP server and the processing
loop alone (without the web server), until SIGINT/SIGTERM."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from sladesk.intake.conf import conf
from sladesk.intake.worker import IntakeWorker


class Command(BaseCommand):
    help = "Run the inbound SMTP server and process what it stores."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=None, help="HOST:PORT (default SLADESK_SMTP_BIND)")
        parser.add_argument(
            "--no-imap", action="store_true", help="do not poll IMAP mailboxes here"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        done = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: done.set())
        worker = IntakeWorker().start(
            smtp_bind=options["bind"] or conf().smtp_bind, imap=not options["no_imap"]
        )
        self.stdout.write(f"smtp: listening on {worker.smtp.hostname}:{worker.smtp.port}")
        self.stdout.flush()
        done.wait()
        worker.stop()
