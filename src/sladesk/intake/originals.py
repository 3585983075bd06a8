"""Reading the stored raw mail behind a ticket message (agents' "original email").

Every received mail is kept as `InboundMessage.raw`; a message that came by email points
back to it (``InboundMessage.ticket_message``). These readers never write and never raise
on odd mail: a header that cannot be decoded is shown as it is.
"""

from __future__ import annotations

from collections.abc import Iterable
from email.header import decode_header, make_header
from email.parser import BytesHeaderParser
from email.policy import compat32

from django.db.models import BinaryField
from django.db.models.functions import Substr

from .models import InboundMessage

__all__ = ["header_lines", "original_head_of", "original_of", "originals_of"]

_HEADER_BYTES = 256 * 1024


def originals_of(message_ids: Iterable[int]) -> dict[int, int]:
    """Ticket message id -> id of its stored raw mail, for those that came by email. One query."""
    ids = list(message_ids)
    if not ids:
        return {}
    rows = InboundMessage.objects.filter(ticket_message_id__in=ids).order_by("id")
    return dict(rows.values_list("ticket_message_id", "pk"))


def original_of(message_id: int) -> InboundMessage | None:
    """The stored raw mail of ticket message ``message_id`` (the first, if several), or None."""
    rows = InboundMessage.objects.filter(ticket_message_id=message_id).select_related(
        "ticket_message"
    )
    return rows.order_by("id").first()


def original_head_of(message_id: int) -> InboundMessage | None:
    """`original_of` without the whole raw mail: its first 256 KiB (where the header is) as
    ``raw_head``, cut by the database. For the headers page of a mail of many megabytes."""
    rows = (
        InboundMessage.objects.filter(ticket_message_id=message_id)
        .select_related("ticket_message")
        .defer("raw")
        .annotate(raw_head=Substr("raw", 1, _HEADER_BYTES, output_field=BinaryField()))
    )
    return rows.order_by("id").first()


def _decoded(value: str) -> str:
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # malformed encoded words: show them raw
        return value


def header_lines(raw: bytes) -> list[tuple[str, str]]:
    """The header fields of ``raw`` in their order, RFC 2047 words decoded, folding undone."""
    try:
        head = BytesHeaderParser(policy=compat32).parsebytes(bytes(raw[:_HEADER_BYTES]))
    except Exception:
        return []
    out = []
    for name, value in head.items():
        text = " ".join(str(value).split())
        out.append((str(name), _decoded(text)))
    return out
