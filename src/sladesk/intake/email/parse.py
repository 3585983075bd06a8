"""``parse_message``: raw RFC 5322 bytes → a :class:`ParsedMessage` value, for any input.

Guarantees (the email channel relies on them; see ``docs/email.md``):

* :func:`parse_message` never raises for any ``bytes`` (empty, binary junk, a 4 MB message
  with broken MIME). Every step is guarded separately: a header that cannot be read costs that
  header, a body part that cannot be decoded costs that part. What went wrong is reported in
  ``defects`` (stdlib parser defects and our own notes) and, when a whole step failed,
  ``parse_error``.
* ``message_id`` is always set. A missing or unusable Message-ID is replaced by a stable
  ``<sha256-<hex of the raw bytes>@sladesk.invalid>`` so the same bytes always get the same id
  (ingest stays idempotent) and ``message_id_synthesised`` is ``True``.
* All text is ``str`` with no NUL characters, decoded with the declared charset (mapped to the
  superset real mailers mean) and ``errors='replace'``.
* Recipient addresses are lower-cased and deduplicated per header; ``date`` is aware or
  ``None``.
* Sequences are tuples, so a ``ParsedMessage`` is really immutable.

The parser uses the stdlib ``compat32`` policy, which keeps unparseable headers as raw text
instead of raising on access, and walks the MIME tree itself (depth-limited) instead of
``get_body()``, so a body part with a broken charset or transfer encoding cannot hide the rest.
"""

from __future__ import annotations

import email
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.policy import compat32

from sladesk.intake.email.classify import auto_submitted_reason, bounce_reason, no_answer_reason
from sladesk.intake.email.content import decode_header_value, html_to_text, unescape_8bit
from sladesk.intake.email.headers import (
    message_id_list,
    normalize_message_id,
    parse_addresses,
    parse_date,
)
from sladesk.intake.email.mime import Attachment, BodyParts, collect_parts
from sladesk.intake.email.sanitize import sanitize_html

__all__ = ["Attachment", "ParsedMessage", "parse_message", "synthetic_message_id"]

_MAX_DEFECTS = 50


@dataclass(frozen=True)
class ParsedMessage:
    """One inbound email as the support desk sees it: who, to whom, about what, what is new.

    This is a value (no I/O, no database): the intake adapter decides from it whether a ticket
    is opened, a reply is added, or the raw message is quarantined.
    """

    message_id: str
    message_id_synthesised: bool
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    from_address: str | None
    from_name: str | None
    reply_to: tuple[str, ...]
    to: tuple[str, ...]
    cc: tuple[str, ...]
    delivered_to: tuple[str, ...]
    x_original_to: tuple[str, ...]
    date: datetime | None
    text: str
    html: str | None
    html_safe: str | None
    attachments: tuple[Attachment, ...]
    auto_submitted: bool
    auto_submitted_reason: str | None
    is_bounce: bool
    bounce_reason: str | None
    raw_size: int
    defects: tuple[str, ...] = ()
    parse_error: str | None = None
    headers: tuple[tuple[str, str], ...] = field(default=(), repr=False)
    #: Why no automatic answer may go to it though it may open a ticket (list/bulk mail).
    no_answer_reason: str | None = None

    def header(self, name: str) -> str | None:
        """The first decoded value of header ``name`` (case-insensitive), or ``None``."""
        wanted = name.lower()
        for key, value in self.headers:
            if key == wanted:
                return value
        return None

    @property
    def recipients(self) -> tuple[str, ...]:
        """Every address the message was sent to, envelope headers first, deduplicated.

        ``Delivered-To`` / ``X-Original-To`` come first because they carry the alias the mail
        really arrived at (``acme@support.example.com``) even when the customer Bcc'd it.
        """
        seen: dict[str, None] = {}
        for address in (*self.delivered_to, *self.x_original_to, *self.to, *self.cc):
            seen.setdefault(address, None)
        return tuple(seen)


def synthetic_message_id(raw: bytes) -> str:
    """The stable stand-in Message-ID for a message that has none: a hash of its bytes."""
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@sladesk.invalid>"


def _defect_names(message: Message) -> list[str]:
    names: list[str] = []
    try:
        for part in message.walk():
            for defect in getattr(part, "defects", ()):
                names.append(type(defect).__name__)
    except Exception as exc:  # walking a pathological tree
        names.append(f"WalkFailed: {type(exc).__name__}")
    return names


def _raw_headers(message: Message, notes: list[str]) -> list[tuple[str, str]]:
    try:
        pairs = list(message.raw_items())
    except Exception as exc:
        notes.append(f"HeadersUnreadable: {type(exc).__name__}")
        return []
    result = []
    for name, value in pairs:
        result.append((str(name).strip().lower(), str(value)))
    return result


def _first(raw: dict[str, list[str]], name: str) -> str | None:
    values = raw.get(name)
    return values[0] if values else None


def _addresses(raw: dict[str, list[str]], name: str) -> tuple[str, ...]:
    return tuple(address for _, address in parse_addresses(raw.get(name, [])))


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse one raw message; never raises (see the module docstring for the guarantees)."""
    try:
        data = bytes(raw)
    except Exception:
        data = b""
    try:
        return _parse(data)
    except Exception as exc:  # the last line of defence: keep a usable, honest result
        return _fallback(data, f"{type(exc).__name__}: {exc}"[:300])


def _parse(data: bytes) -> ParsedMessage:
    notes: list[str] = []
    parse_error: str | None = None
    message = email.message_from_bytes(data, policy=compat32)
    defects = _defect_names(message)

    raw_pairs = _raw_headers(message, notes)
    raw: dict[str, list[str]] = {}
    decoded_pairs: list[tuple[str, str]] = []
    decoded: dict[str, list[str]] = {}
    for name, value in raw_pairs:
        raw.setdefault(name, []).append(unescape_8bit(value))
        text = decode_header_value(value)
        decoded_pairs.append((name, text))
        decoded.setdefault(name, []).append(text)

    subject = _first(decoded, "subject") or ""
    senders = parse_addresses(raw.get("from", []) or raw.get("sender", []))
    from_name, from_address = senders[0] if senders else (None, None)

    message_id = normalize_message_id(_first(raw, "message-id"))
    synthesised = message_id is None
    if message_id is None:
        message_id = synthetic_message_id(data)
    in_reply_to = normalize_message_id(_first(raw, "in-reply-to"))
    references = message_id_list(" ".join(raw.get("references", [])))

    try:
        body = collect_parts(message)
    except Exception as exc:
        body = BodyParts()
        parse_error = f"body: {type(exc).__name__}: {exc}"[:300]
    if "StartBoundaryNotFoundDefect" in defects and parse_error is None:
        body, parse_error = _recover_multipart(data, body)
    notes.extend(body.notes)

    text = body.text.strip("\n")
    if not text.strip() and body.html:
        text = html_to_text(body.html)
    html_safe = sanitize_html(body.html) if body.html is not None else None

    try:
        report_type = message.get_param("report-type")
    except Exception:
        report_type = None
    report = str(report_type).strip().lower() if isinstance(report_type, str) else None
    auto_reason = auto_submitted_reason(decoded, subject, report)
    bounce = bounce_reason(decoded, body.content_types, report, from_address)

    all_defects = tuple(dict.fromkeys(defects + notes))[:_MAX_DEFECTS]
    return ParsedMessage(
        message_id=message_id,
        message_id_synthesised=synthesised,
        in_reply_to=in_reply_to,
        references=tuple(references),
        subject=subject,
        from_address=from_address,
        from_name=from_name or None,
        reply_to=_addresses(raw, "reply-to"),
        to=_addresses(raw, "to"),
        cc=_addresses(raw, "cc"),
        delivered_to=_addresses(raw, "delivered-to"),
        x_original_to=_addresses(raw, "x-original-to"),
        date=parse_date(_first(decoded, "date")),
        text=text,
        html=body.html,
        html_safe=html_safe,
        attachments=tuple(body.attachments),
        auto_submitted=auto_reason is not None,
        auto_submitted_reason=auto_reason,
        is_bounce=bounce is not None,
        bounce_reason=bounce,
        raw_size=len(data),
        defects=all_defects,
        parse_error=parse_error,
        headers=tuple(decoded_pairs),
        no_answer_reason=no_answer_reason(decoded),
    )


_BOUNDARY_LINE = re.compile(rb"^--([!-~]{1,200}?)(--)?[ \t]*\r?$", re.MULTILINE)
_PART_HEADER = re.compile(
    rb"^content-(?:type|transfer-encoding|disposition):", re.IGNORECASE | re.MULTILINE
)


def _recover_multipart(data: bytes, body: BodyParts) -> tuple[BodyParts, str | None]:
    """A multipart message whose declared boundary is never found (folded across lines,
    mistyped, cut by a broken header/body split): the body is MIME parts, not text. Find
    the boundary the parts really use — the ``--token`` lines of the body, the most frequent
    first — and read the body again with it, so the ticket shows what the person
    wrote. Without one, a ``parse_error`` sends the mail to quarantine."""
    split = min((i for i in (data.find(b"\r\n\r\n"), data.find(b"\n\n")) if i >= 0), default=-1)
    if split < 0:  # headers only: there is no body to recover
        return body, None
    content = data[split:]
    counts: dict[bytes, int] = {}
    for match in _BOUNDARY_LINE.finditer(content):
        counts[match.group(1)] = counts.get(match.group(1), 0) + 1
    candidates = [b for b, _ in sorted(counts.items(), key=lambda kv: -kv[1])]
    for boundary in candidates:
        head = (
            b'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="' + boundary + b'"\r\n'
        )
        try:
            again = collect_parts(email.message_from_bytes(head + content, policy=compat32))
        except Exception:
            continue
        if again.text.strip() or again.html or again.attachments:
            again.notes.append("MimeRecovered")
            return again, None
    if _PART_HEADER.search(content):
        return (
            body,
            "broken MIME: the declared boundary is never found and the parts cannot be recovered",
        )
    return body, None


def _fallback(data: bytes, error: str) -> ParsedMessage:
    """A minimal result when the stdlib parser itself failed: the raw text as the body."""
    head, _, rest = data.replace(b"\r\n", b"\n").partition(b"\n\n")
    text = decode_header_value("") if not rest else rest.decode("utf-8", errors="replace")
    return ParsedMessage(
        message_id=synthetic_message_id(data),
        message_id_synthesised=True,
        in_reply_to=None,
        references=(),
        subject="",
        from_address=None,
        from_name=None,
        reply_to=(),
        to=(),
        cc=(),
        delivered_to=(),
        x_original_to=(),
        date=None,
        text=(text or head.decode("utf-8", errors="replace")).replace("\x00", ""),
        html=None,
        html_safe=None,
        attachments=(),
        auto_submitted=False,
        auto_submitted_reason=None,
        is_bounce=False,
        bounce_reason=None,
        raw_size=len(data),
        defects=(),
        parse_error=error,
    )
