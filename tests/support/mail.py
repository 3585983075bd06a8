"""Helpers for the email channel tests: a message builder, a capturing SMTP handler, waiting."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid

from aiosmtpd.controller import Controller

__all__ = ["DOMAIN", "TRUSTED_MTA", "Captured", "EphemeralController", "build_mail", "wait_for"]

DOMAIN = "support.example.com"
#: The company MTA whose Authentication-Results the test settings trust.
TRUSTED_MTA = "mx.support.example.com"


def wait_for(
    condition: Callable[[], object], timeout: float = 10.0, what: str = "condition"
) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def build_mail(
    *,
    sender: str = "jane@acme.example",
    to: str = f"acme@{DOMAIN}",
    subject: str = "Help",
    body: str = "Our devices are offline.",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    references: list[str] | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    verified: bool = True,
) -> bytes:
    """A mail as the company MTA delivers it: with ``verified`` (the default) its
    ``Authentication-Results`` says SPF, DKIM and DMARC passed for the sender's domain
    (the test settings trust `TRUSTED_MTA`); ``verified=False`` leaves it unauthenticated."""
    msg = EmailMessage()
    if verified:
        domain = sender.rpartition("@")[2]
        msg["Authentication-Results"] = (
            f"{TRUSTED_MTA}; spf=pass smtp.mailfrom={domain}; dkim=pass header.d={domain};"
            f" dmarc=pass header.from={domain}"
        )
    msg["From"] = f"Jane Doe <{sender}>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="acme.example")
    msg["Date"] = "Wed, 25 Nov 2026 16:30:00 -0800"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    if references:
        msg["References"] = " ".join(references)
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    for filename, ctype, payload in attachments:
        maintype, subtype = ctype.split("/", 1)
        msg.add_attachment(payload, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=SMTP)  # CRLF line ends, as mail travels (smtplib sends bytes as is)


@dataclass
class Captured:
    """Mail received by the capturing SMTP server."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server, session, envelope) -> str:  # aiosmtpd handler
        with self.lock:
            self.messages.append(
                (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
            )
        return "250 OK captured"


class EphemeralController(Controller):
    """aiosmtpd's threaded controller on port 0: learns its port before the self-check."""

    def _trigger_server(self) -> None:
        if not self.port and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()
