"""E-mail over SMTP with the standard library's `smtplib`.

Message: ``Subject: [<SEVERITY>] <ref> <summary>``, a plain-text body (body, then the
ticket URL), ``Auto-Submitted: auto-generated`` (RFC 3834, so well-behaved auto-responders
stay quiet) and a ``Message-ID`` derived from the idempotency key: a resend of the same
notification carries the same Message-ID, so mail systems and people recognise it as a
duplicate. ``X-Sladesk-Idempotency-Key`` carries the key itself. A notification with
``extra["mail"]`` is a mail to a customer (`sladesk.intake.outbound`): its subject, threading
headers, From/Reply-To and body are taken from there as they are.

Connection: ``security="starttls"`` (default; port 587) upgrades with STARTTLS and fails
permanently if the server does not offer it; ``"ssl"`` is implicit TLS (port 465);
``"none"`` is plain SMTP (port 25, for a local relay or tests). Login when a username is
configured. TLS certificates are verified with the system trust store.

Answers: accepted -> delivered. SMTP 4xx replies (greylisting, mailbox busy, rate limits),
a dropped connection, timeouts and network errors -> retry. SMTP 5xx replies (unknown
user, relaying denied, authentication rejected) and a failed certificate check -> failed.
When the server accepts some recipients and refuses others, the result is ``delivered``
(a retry would duplicate the mail to those who got it) and the detail counts the refusals;
write one outbox row per recipient if each must be tracked. The password, user name and
host never appear in a detail.
"""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any, Literal

from ..retry import classify_smtp_code
from .base import DeliveryResult, Notification, Outcome, redact, redacting

__all__ = ["EmailConfig", "message_id_for", "render_email", "send_email"]

_REPLY_CHARS = 200


@dataclass(frozen=True, slots=True)
class EmailConfig:
    """An SMTP submission server and the envelope: ``from_addr`` and ``to_addrs``.

    ``message_id_domain`` is the right-hand side of generated Message-IDs; by default the
    domain of ``from_addr``. ``timeout`` (seconds) bounds connect and every reply.
    """

    host: str = field(repr=False)
    from_addr: str
    to_addrs: tuple[str, ...]
    port: int = 587
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    timeout: float = 15.0
    message_id_domain: str | None = None

    def __post_init__(self) -> None:
        if not self.to_addrs:
            raise ValueError("an e-mail channel needs at least one recipient")
        if self.security not in ("starttls", "ssl", "none"):
            raise ValueError(f"unknown SMTP security {self.security!r}")


def message_id_for(idempotency_key: str, domain: str) -> str:
    """A stable RFC 5322 Message-ID for ``idempotency_key``: same key, same Message-ID.

    The key is hashed (SHA-256, first 32 hex digits) so any characters are allowed in it.
    """
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:32]
    return f"<sladesk.{digest}@{domain}>"


def render_email(
    notification: Notification, config: EmailConfig, *, now: datetime | None = None
) -> EmailMessage:
    """The message for ``notification`` (pure apart from ``now``, default the clock)."""
    mail = notification.extra.get("mail")
    if isinstance(mail, dict):
        return _render_customer_mail(notification, config, mail, now)
    domain = config.message_id_domain or config.from_addr.rpartition("@")[2] or "sladesk.invalid"
    label = notification.severity.upper()
    if notification.action != "trigger":
        label = f"{label} · {notification.action}d"
    # the ticket's number once: most summaries already name it ("P1 ticket #1042 ...")
    ref = notification.ticket_ref
    ref = f"{ref} " if ref and ref not in notification.summary else ""
    message = EmailMessage()
    message["Subject"] = f"[{label}] {ref}{notification.summary}"
    message["From"] = config.from_addr
    message["To"] = ", ".join(config.to_addrs)
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = message_id_for(notification.idempotency_key, domain)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Sladesk-Idempotency-Key"] = notification.idempotency_key
    text = notification.body or notification.summary
    if notification.ticket_url:
        text += f"\n\n{notification.ticket_ref or 'Ticket'}: {notification.ticket_url}"
    message.set_content(text + "\n")
    return message


def _render_customer_mail(
    notification: Notification, config: EmailConfig, mail: dict[str, Any], now: datetime | None
) -> EmailMessage:
    """A mail to a customer written by the email channel (`sladesk.intake.outbound`):
    ``extra["mail"]`` gives ``subject``, ``message_id``, ``in_reply_to``, ``references``,
    ``from``, ``reply_to``, ``auto_submitted`` (None for a human's reply) and
    ``list_unsubscribe`` (a subscription's ``<url>``); the body is
    the notification body as is."""
    message = EmailMessage()
    message["Subject"] = str(mail.get("subject") or notification.summary)
    message["From"] = str(mail.get("from") or config.from_addr)
    message["To"] = ", ".join(config.to_addrs)
    if mail.get("reply_to"):
        message["Reply-To"] = str(mail["reply_to"])
    message["Date"] = format_datetime(now or datetime.now(UTC))
    message["Message-ID"] = str(mail["message_id"])
    if mail.get("in_reply_to"):
        message["In-Reply-To"] = str(mail["in_reply_to"])
    if mail.get("references"):
        message["References"] = " ".join(str(r) for r in mail["references"])
    if mail.get("auto_submitted"):
        message["Auto-Submitted"] = str(mail["auto_submitted"])
    if mail.get("list_unsubscribe"):  # RFC 2369 / 8058: one-click unsubscribe
        message["List-Unsubscribe"] = str(mail["list_unsubscribe"])
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["X-Sladesk-Idempotency-Key"] = notification.idempotency_key
    message.set_content((notification.body or notification.summary) + "\n")
    return message


def _reply_text(raw: bytes | str, secrets: tuple[str | None, ...]) -> str:
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
    return redact(" ".join(text.split())[:_REPLY_CHARS], secrets)


def _classify_reply(
    code: int, reply: bytes | str, what: str, secrets: tuple[str | None, ...]
) -> DeliveryResult:
    text = _reply_text(reply, secrets)
    detail = f"SMTP {code} {what}" + (f": {text}" if text else "")
    outcome = classify_smtp_code(code)
    if outcome is Outcome.FAILED:
        return DeliveryResult.failed(code, detail)
    if outcome is Outcome.RETRY:
        return DeliveryResult.retry(code if code > 0 else None, detail)
    return DeliveryResult.delivered(code, detail)


def _transmit(message: EmailMessage, config: EmailConfig) -> dict[str, tuple[int, bytes]]:
    context = ssl.create_default_context()
    smtp: smtplib.SMTP
    if config.security == "ssl":
        smtp = smtplib.SMTP_SSL(config.host, config.port, timeout=config.timeout, context=context)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
    with smtp:
        smtp.ehlo()
        if config.security == "starttls":
            smtp.starttls(context=context)
            smtp.ehlo()
        if config.username:
            smtp.login(config.username, config.password or "")
        return smtp.send_message(message, config.from_addr, list(config.to_addrs))


def _unbuildable(exc: Exception) -> DeliveryResult:
    """A message that cannot be built (a header with CR/LF, a bad address, an unknown
    charset) fails the same way on every attempt: dead at once, saying why."""
    return DeliveryResult.failed(
        detail=f"the message cannot be built: {type(exc).__name__}: {str(exc)[:300]}"
    )


def send_email(
    notification: Notification, config: EmailConfig, *, now: datetime | None = None
) -> DeliveryResult:
    """Send ``notification`` as one e-mail to ``config.to_addrs`` and classify the outcome.

    Never raises for delivery problems (see the module docstring for the rules).
    """
    secrets = (config.password, config.username, config.host)
    with redacting(*secrets):
        try:
            message = render_email(notification, config, now=now)
        except (ValueError, TypeError, UnicodeError, LookupError) as exc:
            return _unbuildable(exc)
        try:
            refused = _transmit(message, config)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = sorted({code for code, _ in exc.recipients.values()})
            transient = any(classify_smtp_code(code) is Outcome.RETRY for code in codes)
            detail = f"SMTP refused all {len(exc.recipients)} recipient(s) with {codes}"
            if transient:
                return DeliveryResult.retry(codes[0], detail)
            return DeliveryResult.failed(codes[0], detail)
        except smtplib.SMTPNotSupportedError:
            return DeliveryResult.failed(detail="the SMTP server does not support STARTTLS/AUTH")
        except smtplib.SMTPServerDisconnected as exc:
            if "timed out" in str(exc):  # smtplib wraps a read timeout this way
                return DeliveryResult.retry(detail=f"timed out after {config.timeout:g} s")
            return DeliveryResult.retry(detail="the SMTP server closed the connection")
        except smtplib.SMTPResponseException as exc:
            return _classify_reply(exc.smtp_code, exc.smtp_error, type(exc).__name__, secrets)
        except smtplib.SMTPException as exc:
            return DeliveryResult.retry(detail=f"SMTP error ({type(exc).__name__})")
        except (
            ValueError,
            UnicodeError,
        ) as exc:  # serialising the message failed: it never will work
            return _unbuildable(exc)
        except ssl.SSLCertVerificationError:
            return DeliveryResult.failed(detail="the SMTP server's TLS certificate is not trusted")
        except TimeoutError:
            return DeliveryResult.retry(detail=f"timed out after {config.timeout:g} s")
        except OSError as exc:  # refused, unreachable, ssl.SSLError, ...
            return DeliveryResult.retry(detail=f"connection error ({type(exc).__name__})")
    if refused:
        return DeliveryResult.delivered(
            250,
            f"accepted for {len(config.to_addrs) - len(refused)} of "
            f"{len(config.to_addrs)} recipients; {len(refused)} refused",
        )
    return DeliveryResult.delivered(250, "accepted by the SMTP server")
