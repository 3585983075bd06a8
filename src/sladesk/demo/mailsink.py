"""A local mail sink for `sladesk run`: outbound mail lands as ``.eml`` files, not nowhere.

When no outbound SMTP server is configured (``SLADESK_EMAIL_HOST`` unset), the demo desk
would otherwise send notifications, acknowledgements and replies to ``localhost:25``,
where nothing listens: every mail would retry and end dead-lettered. Instead `sladesk run`
starts this sink on 127.0.0.1 and points ``EMAIL_HOST``/``EMAIL_PORT`` at it, so every
message the desk sends is delivered (250) and written to ``var/sent-mail/`` where it can
be opened in a mail client. Never used by ``sladesk worker`` or in production settings.
"""

from __future__ import annotations

import itertools
import socket
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

__all__ = ["MailSink", "start_mail_sink"]


class _WriteEml:
    """aiosmtpd handler: write each accepted message to ``directory`` as one .eml file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._seq = itertools.count(1)
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        with self._lock:
            path = self.directory / f"{stamp}-{next(self._seq):05d}.eml"
        path.write_bytes(envelope.original_content or envelope.content)
        return "250 stored in the local mail sink"


class MailSink:
    """A running sink: ``hostname``, ``port`` and the ``directory`` it writes to."""

    def __init__(
        self, directory: Path, hostname: str = "127.0.0.1", port: int | None = None
    ) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.hostname = hostname
        self.port = port or _free_port(hostname)
        self._controller = Controller(_WriteEml(directory), hostname=hostname, port=self.port)

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def _free_port(hostname: str) -> int:
    with socket.socket() as s:
        s.bind((hostname, 0))
        return int(s.getsockname()[1])


def start_mail_sink(directory: Path) -> MailSink:
    """Start a sink writing to ``directory`` on a free loopback port."""
    return MailSink(directory).start()
