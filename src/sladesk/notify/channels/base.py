"""What every channel shares: the notification, the delivery result, the channel protocol.

A channel turns one `Notification` into one delivery attempt and reports a `DeliveryResult`
with one of three outcomes:

* ``delivered`` — the receiver accepted it (HTTP 2xx; SMTP accepted the message);
* ``retry``     — a transient failure (timeout, connection error, HTTP 408/425/429/5xx,
  SMTP 4xx); the outbox tries again later, honouring ``retry_after`` when the receiver gave
  one (see `sladesk.notify.retry`);
* ``failed``    — a permanent failure (any other HTTP 4xx, SMTP 5xx, a bad configuration);
  trying again cannot help, so the outbox row goes to the dead-letter state.

Redaction promise: endpoint URLs, host names of configured endpoints, routing keys,
passwords and signing secrets never appear in a `DeliveryResult.detail`, in an exception
raised by a channel, or in a log record of this package or of the HTTP libraries it drives
(see `install_log_redaction`). Channel configurations keep secrets out of their ``repr``.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal, Protocol, TypeVar, get_args
from urllib.parse import parse_qsl, urlsplit

__all__ = [
    "ACTIONS",
    "CHANNEL_KINDS",
    "SEVERITIES",
    "Action",
    "Channel",
    "ChannelKind",
    "DeliveryResult",
    "Notification",
    "Outcome",
    "Severity",
    "install_log_redaction",
    "redact",
    "redacting",
    "url_secrets",
]

Severity = Literal["critical", "error", "warning", "info"]
Action = Literal["trigger", "acknowledge", "resolve"]
ChannelKind = Literal["email", "slack", "pagerduty", "webhook", "apprise", "sms", "voice"]

SEVERITIES: tuple[str, ...] = get_args(Severity)
ACTIONS: tuple[str, ...] = get_args(Action)
CHANNEL_KINDS: tuple[str, ...] = get_args(ChannelKind)

REDACTED = "[redacted]"


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to one destination, as written into the outbox.

    ``idempotency_key`` identifies the notification across retries and resends: the same
    key reaches the receiver every time (PagerDuty ``dedup_key``, the webhook
    ``Idempotency-Key`` header, the e-mail ``Message-ID``), so a receiver can act once.
    For a page it is the page key, so trigger, acknowledge and resolve of one incident
    share it. ``action`` is the PagerDuty-style lifecycle step; channels without that
    notion render acknowledge/resolve as an ordinary message. ``extra`` is free-form,
    JSON-serialisable context (it goes into webhook bodies and PagerDuty custom_details)
    and must not hold secrets.
    """

    idempotency_key: str
    channel: ChannelKind
    summary: str
    body: str = ""
    severity: Severity = "info"
    ticket_ref: str | None = None
    ticket_url: str | None = None
    action: Action = "trigger"
    extra: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not self.idempotency_key or not self.idempotency_key.strip():
            raise ValueError("a notification needs a non-empty idempotency_key")
        if self.channel not in CHANNEL_KINDS:
            raise ValueError(f"unknown channel {self.channel!r}; expected one of {CHANNEL_KINDS}")
        if self.severity not in SEVERITIES:
            raise ValueError(f"unknown severity {self.severity!r}; expected one of {SEVERITIES}")
        if self.action not in ACTIONS:
            raise ValueError(f"unknown action {self.action!r}; expected one of {ACTIONS}")
        if not self.summary.strip():
            raise ValueError("a notification needs a non-empty summary")


class Outcome(StrEnum):
    """How one delivery attempt ended; see the module docstring for the rules."""

    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """The result of one delivery attempt, safe to store and show in the admin.

    ``status_code`` is the HTTP status or SMTP reply code when the receiver answered, else
    None (timeout, connection error, bad configuration). ``detail`` is a short human
    explanation that never contains an endpoint URL, host, key or secret. ``retry_after``
    is the receiver's own wait hint in seconds (HTTP ``Retry-After``), only on ``retry``.
    """

    outcome: Outcome
    status_code: int | None = None
    detail: str = ""
    retry_after: float | None = None

    @classmethod
    def delivered(cls, status_code: int | None = None, detail: str = "") -> DeliveryResult:
        return cls(Outcome.DELIVERED, status_code, detail)

    @classmethod
    def retry(
        cls, status_code: int | None = None, detail: str = "", retry_after: float | None = None
    ) -> DeliveryResult:
        return cls(Outcome.RETRY, status_code, detail, retry_after)

    @classmethod
    def failed(cls, status_code: int | None = None, detail: str = "") -> DeliveryResult:
        return cls(Outcome.FAILED, status_code, detail)


ConfigT_contra = TypeVar("ConfigT_contra", contravariant=True)


class Channel(Protocol[ConfigT_contra]):
    """A delivery channel: one attempt, never raises for delivery problems.

    Implementations classify every receiver answer and transport error into a
    `DeliveryResult`; they raise only for programming errors (e.g. a config of the wrong
    type), and then without secrets in the message.
    """

    def __call__(self, notification: Notification, config: ConfigT_contra) -> DeliveryResult: ...


# --- redaction -------------------------------------------------------------------------

_URL_RE = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s'\"<>]+")
_HOST_KV_RE = re.compile(r"\b(host|local_address)=('[^']*'|\"[^\"]*\"|\S+)")
# Secrets of deliveries in progress, in every thread: libraries such as Apprise log from
# worker threads, which a ContextVar would not reach. Redacting another thread's secret
# too is harmless, so one process-wide multiset is the simple, safe choice.
_active_secrets: Counter[str] = Counter()
_active_lock = threading.Lock()


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """Return ``text`` with every URL, every given secret and the active secrets replaced.

    Secrets shorter than 4 characters are ignored (they would blank out ordinary words);
    longer secrets are replaced first so a secret containing another is fully removed.
    """
    with _active_lock:
        active = tuple(_active_secrets)
    words = {s for s in (*secrets, *active) if s and len(s) >= 4}
    for secret in sorted(words, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _URL_RE.sub(REDACTED, text)
    return _HOST_KV_RE.sub(lambda m: f"{m.group(1)}={REDACTED}", text)


def url_secrets(url: str) -> tuple[str, ...]:
    """The parts of an endpoint URL that must not be shown: the URL, its host and port,
    its path and query, and every path segment or query value of 8+ characters (Slack and
    Teams put their tokens in the path, some services in the query)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return (url,)
    pieces = [url, parts.netloc, host, parts.path, parts.query]
    pieces += [segment for segment in parts.path.split("/") if len(segment) >= 8]
    pieces += [value for _, value in parse_qsl(parts.query) if len(value) >= 8]
    return tuple(piece for piece in pieces if piece and piece != "/")


@contextlib.contextmanager
def redacting(*secrets: str | None) -> Iterator[None]:
    """Within the block, `redact` (and so the log filter) also removes these secrets, in
    records from any thread."""
    added = [s for s in secrets if s]
    with _active_lock:
        _active_secrets.update(added)
    try:
        yield
    finally:
        with _active_lock:
            _active_secrets.subtract(added)
            for secret in added:
                if _active_secrets[secret] <= 0:
                    del _active_secrets[secret]


class _RedactingFilter(logging.Filter):
    """Rewrite a third-party log record so it carries no URL, host or active secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: drop the arguments, keep the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        return True


# Loggers (exact names: logger filters do not apply to children) that log request URLs or
# hosts: httpx at INFO, httpcore and urllib3 (used by Apprise) at DEBUG, Apprise itself.
_THIRD_PARTY_LOGGERS = (
    "httpx",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
    "urllib3.connectionpool",
    "urllib3.connection",
    "apprise",
)
_FILTER = _RedactingFilter()


def install_log_redaction() -> None:
    """Attach the redacting filter to the loggers of the HTTP libraries the channels use.

    Idempotent. Called when `sladesk.notify` is imported, so that e.g. httpx's INFO line
    ``HTTP Request: POST https://hooks.slack.com/services/T0/B0/secret`` never reaches a
    handler with the URL in it.
    """
    for name in _THIRD_PARTY_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
