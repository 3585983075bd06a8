"""Storing raw mail durably, before anyone is told it was received.

`store_raw` commits one `InboundMessage` row with the bytes and the envelope and returns
only after the commit, so the SMTP server answers 250 (and IMAP marks a mail processed)
only for mail that a crash can no longer lose. Parsing happens later, from these bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from email.parser import BytesHeaderParser
from email.policy import compat32

from django.db import transaction

from sladesk.core.clock import now
from sladesk.intake.email.headers import normalize_message_id
from sladesk.intake.email.parse import synthetic_message_id

from .dblock import sqlite_writer
from .models import InboundMessage

__all__ = ["id_key", "quick_message_id", "store_raw"]

_HEADER_BYTES = 64 * 1024


def id_key(message_id: str) -> str:
    """``message_id`` as stored in `EmailMessageId` (ids over 255 characters are hashed)."""
    if len(message_id) <= 255:
        return message_id
    return f"<sha256-{hashlib.sha256(message_id.encode()).hexdigest()}@sladesk.long>"


def quick_message_id(raw: bytes) -> str:
    """The Message-ID as `parse_message` will see it, read from the header block only."""
    try:
        head = BytesHeaderParser(policy=compat32).parsebytes(raw[:_HEADER_BYTES])
        value = head.get("Message-ID")
        found = normalize_message_id(str(value)) if value is not None else None
    except Exception:  # any header junk: fall back to the content hash
        found = None
    return id_key(found or synthetic_message_id(raw))


def store_raw(
    raw: bytes, *, envelope_from: str = "", envelope_to: Sequence[str] = (), source: str = "smtp"
) -> InboundMessage:
    """Insert and commit the raw message; returns the row (state ``received``)."""
    with sqlite_writer(), transaction.atomic():
        row = InboundMessage.objects.create(
            raw=raw,
            size=len(raw),
            message_id=quick_message_id(raw),
            envelope_from=envelope_from[:998],
            envelope_to=[a.strip().lower() for a in envelope_to],
            source=source[:120],
            received_at=now(),
        )
    return row
