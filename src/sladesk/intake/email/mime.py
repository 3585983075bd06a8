"""Walking a MIME tree into a body (plain text, HTML) and a list of attachments.

Which part is the body: every ``text/plain`` / ``text/html`` leaf that is neither marked
``Content-Disposition: attachment`` nor named (no filename), outside any ``message/*`` part.
Several such parts (Apple Mail splits text around inline images) are joined in order. Every
other leaf is an :class:`Attachment`; so are ``message/rfc822`` (a forwarded mail, kept whole
as ``.eml`` and not descended into), ``message/delivery-status`` and other ``message/*`` parts,
``text/calendar`` invites and ``application/ms-tnef`` (``winmail.dat``), all kept byte-for-byte.

The walk is iterative in spirit and depth-limited (:data:`MAX_DEPTH`): deeper parts are kept
as raw attachments rather than risking the interpreter's recursion limit.
"""

from __future__ import annotations

import binascii
import mimetypes
import re
from dataclasses import dataclass, field
from email.message import Message
from email.policy import compat32

from sladesk.intake.email.content import decode_bytes, decode_header_value

__all__ = ["MAX_DEPTH", "Attachment", "BodyParts", "collect_parts"]

MAX_DEPTH = 40

_DEFAULT_NAMES = {
    "message/rfc822": "forwarded-message.eml",
    "message/global": "forwarded-message.eml",
    "message/delivery-status": "delivery-status.txt",
    "message/disposition-notification": "disposition-notification.txt",
    "text/rfc822-headers": "original-headers.txt",
    "text/calendar": "invite.ics",
    "application/ms-tnef": "winmail.dat",
    "application/vnd.ms-tnef": "winmail.dat",
}


@dataclass(frozen=True)
class Attachment:
    """A file that came with a message: a document, an inline image, an invite, a forward.

    ``content_id`` is the ``Content-ID`` without its angle brackets, i.e. what an HTML body
    refers to as ``cid:<content_id>``. ``inline`` is true for parts shown inside the body
    (``Content-Disposition: inline``, or no disposition but a Content-ID). ``size`` is the
    decoded payload length in bytes.
    """

    filename: str
    content_type: str
    size: int
    content_id: str | None
    inline: bool
    payload: bytes = field(repr=False)


@dataclass
class BodyParts:
    """What :func:`collect_parts` found (mutable while walking; copied into the parsed value)."""

    text: str = ""
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _content_type(part: Message) -> str:
    try:
        ctype = part.get_content_type().lower()
    except Exception:
        return "application/octet-stream"
    return ctype if "/" in ctype else "application/octet-stream"


def _disposition(part: Message) -> str | None:
    try:
        value = part.get("content-disposition")
    except Exception:
        return None
    if value is None:
        return None
    kind = str(value).split(";", 1)[0].strip().lower()
    return kind or None


def _filename(part: Message) -> str | None:
    name: object = None
    try:
        name = part.get_filename()
    except Exception:  # RFC 2231 value in a charset Python does not know
        try:
            name = part.get_param("filename", header="content-disposition") or part.get_param(
                "name"
            )
        except Exception:
            name = None
    if isinstance(name, tuple):  # undecodable RFC 2231 triple (charset, language, value)
        name = name[2]
    if not name:
        return None
    decoded = decode_header_value(str(name)).replace("/", "_").replace("\\", "_").strip()
    return decoded[:255] or None


def _content_id(part: Message) -> str | None:
    try:
        value = part.get("content-id")
    except Exception:
        return None
    if value is None:
        return None
    cleaned = decode_header_value(str(value)).strip().strip("<>").strip()
    return cleaned or None


def _payload_bytes(part: Message, notes: list[str]) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:
        notes.append(f"PayloadUndecodable: {type(exc).__name__}")
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("utf-8", errors="surrogateescape")
    return b""


def _message_bytes(part: Message, notes: list[str]) -> bytes:
    """The content of a ``message/*`` part, as the bytes a mail client would save."""
    inner = part.get_payload()
    if isinstance(inner, list):
        chunks = []
        for sub in inner:
            if not isinstance(sub, Message):
                continue
            try:
                chunks.append(sub.as_bytes(policy=compat32))
            except Exception:
                try:
                    chunks.append(sub.as_string(policy=compat32).encode("utf-8", "replace"))
                except Exception as exc:
                    notes.append(f"EmbeddedMessageUnreadable: {type(exc).__name__}")
        return b"\n".join(chunks)
    return _payload_bytes(part, notes)


def _charset(part: Message) -> str | None:
    try:
        value = part.get_content_charset()
    except Exception:
        return None
    return str(value) if value else None


def _default_name(ctype: str, index: int) -> str:
    if ctype in _DEFAULT_NAMES:
        return _DEFAULT_NAMES[ctype]
    extension = mimetypes.guess_extension(ctype, strict=False) or ".bin"
    return f"attachment-{index}{extension}"


def collect_parts(message: Message) -> BodyParts:
    """Split ``message`` into body text, body HTML and attachments (see module docstring)."""
    found = BodyParts()
    html_chunks: list[str] = []
    text_chunks: list[str] = []
    stack: list[tuple[Message, int]] = [(message, 0)]
    while stack:
        part, depth = stack.pop()
        ctype = _content_type(part)
        found.content_types.append(ctype)
        if depth > MAX_DEPTH:
            found.notes.append("MimeTooDeep")
            _add_attachment(found, part, ctype, _payload_bytes(part, found.notes))
            continue
        if part.is_multipart() and not ctype.startswith("message/"):
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend(
                    (child, depth + 1) for child in reversed(children) if isinstance(child, Message)
                )
            continue
        if ctype.startswith("message/") or ctype == "text/rfc822-headers":
            _add_attachment(found, part, ctype, _message_bytes(part, found.notes))
            continue
        filename = _filename(part)
        disposition = _disposition(part)
        is_text_body = ctype in ("text/plain", "text/html") or ctype.startswith("multipart/")
        if is_text_body and disposition != "attachment" and filename is None:
            content = decode_bytes(_payload_bytes(part, found.notes), _charset(part))
            content = content.replace("\r\n", "\n").replace("\r", "\n")
            if ctype != "text/html" and "begin " in content:
                content = _extract_uuencoded(content, found)
            (html_chunks if ctype == "text/html" else text_chunks).append(content)
            continue
        _add_attachment(found, part, ctype, _payload_bytes(part, found.notes), filename)
    found.text = "\n".join(chunk.strip("\n") for chunk in text_chunks)
    found.html = "\n".join(html_chunks) if html_chunks else None
    return found


_UUENCODED = re.compile(
    r"^begin [0-7]{3,4} ([^\n]+)\n(.*?)^end[ \t]*$\n?", re.MULTILINE | re.DOTALL
)


def _extract_uuencoded(text: str, found: BodyParts) -> str:
    """Each ``begin 644 name`` … ``end`` block of a text body (uuencode, older clients and
    Usenet gateways) becomes an attachment and leaves the text; a block that does not
    decode stays as text."""

    def take(match: re.Match[str]) -> str:
        name = match.group(1).strip().replace("/", "_").replace("\\", "_") or "attachment"
        data = bytearray()
        try:
            for line in match.group(2).splitlines():
                if not line or line in ("`", " "):
                    continue
                data += binascii.a2b_uu(line.encode("latin-1"))
        except (binascii.Error, UnicodeEncodeError):
            return match.group(0)
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        found.attachments.append(
            Attachment(
                filename=name[:255],
                content_type=ctype,
                size=len(data),
                content_id=None,
                inline=False,
                payload=bytes(data),
            )
        )
        found.notes.append("UuencodedPart")
        return ""

    return _UUENCODED.sub(take, text)


def _add_attachment(
    found: BodyParts,
    part: Message,
    ctype: str,
    payload: bytes,
    filename: str | None = None,
) -> None:
    disposition = _disposition(part)
    content_id = _content_id(part)
    name = filename or _filename(part)
    if name is None:
        name = _default_name(ctype, len(found.attachments) + 1)
        if any(existing.filename == name for existing in found.attachments):
            stem, dot, extension = name.rpartition(".")
            name = f"{stem}-{len(found.attachments) + 1}{dot}{extension}"
    inline = disposition == "inline" or (disposition is None and content_id is not None)
    found.attachments.append(
        Attachment(
            filename=name,
            content_type=ctype,
            size=len(payload),
            content_id=content_id,
            inline=inline,
            payload=payload,
        )
    )
