"""Files on messages: the one writer of `Attachment` rows from the desk, the portal and the API.

See `sladesk.tickets.services` for the conventions every service follows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.files.base import ContentFile, File
from django.db import transaction

from sladesk.core import clock as core_clock

from ..models import Attachment, Channel, EventKind, Message
from ._base import ServiceError, _customer_side, _lock, _Log

__all__ = ["MAX_ATTACHMENT_BYTES", "add_attachments", "check_uploads"]

#: The largest file a person may attach (the email channel has its own limit,
#: ``SLADESK_INTAKE["max_attachment_bytes"]``, and keeps larger parts in the raw mail).
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

#: A file to attach: a Django ``File`` (an upload) or ``(filename, bytes, content_type)``.
Upload = Any


def _name(upload: Upload) -> str:
    raw = upload[0] if isinstance(upload, tuple) else (getattr(upload, "name", "") or "")
    name = str(raw).replace("\\", "/").rsplit("/", 1)[-1].strip()
    return (name or "file")[:255]


def _size(upload: Upload) -> int:
    if isinstance(upload, tuple):
        return len(upload[1])
    return int(getattr(upload, "size", 0) or 0)


def check_uploads(uploads: Sequence[Upload]) -> None:
    """Raise `ServiceError` naming the first file over `MAX_ATTACHMENT_BYTES`."""
    for upload in uploads:
        size = _size(upload)
        if size > MAX_ATTACHMENT_BYTES:
            raise ServiceError(
                f"{_name(upload)} is {size:,} bytes: files may be at most {MAX_ATTACHMENT_BYTES:,} bytes"
            )


def _store(message: Message, uploads: Iterable[Upload], log: _Log) -> list[Attachment]:
    """Write the files and their rows (the caller holds the ticket's lock); log one event."""
    out = []
    for upload in uploads:
        name = _name(upload)
        if isinstance(upload, tuple):
            content: File = ContentFile(upload[1])
            content_type = upload[2] if len(upload) > 2 else ""
        else:
            content, content_type = upload, getattr(upload, "content_type", "") or ""
        att = Attachment(message=message, filename=name, content_type=content_type[:200], size=_size(upload))
        att.file.save(name[:100], content, save=False)
        att.save()
        out.append(att)
    if out:
        log.add(
            EventKind.ATTACHMENT,
            message_id=message.pk,
            files=[{"id": a.pk, "filename": a.filename, "size": a.size} for a in out],
        )
    return out


def add_attachments(
    message: Message, uploads: Sequence[Upload], *, actor: Any, channel: str = Channel.WEB
) -> list[Attachment]:
    """Attach ``uploads`` to an existing ``message`` (an ``attachment`` event on its ticket).

    Files are stored under ``MEDIA_ROOT/attachments/``. A contact may attach only to a
    public message of its own organization's ticket. Raises `ServiceError` for a file over
    `MAX_ATTACHMENT_BYTES` (nothing is stored then). To send a reply and its files as one
    change, pass ``attachments=`` to ``reply`` or ``open_ticket`` instead.
    """
    check_uploads(uploads)
    customer = _customer_side(actor) if actor is not None and not isinstance(actor, str) else None
    now = core_clock.now()
    with transaction.atomic():
        ticket = _lock(message.ticket)
        if customer is not None and (customer.organization_id != ticket.organization_id or not message.public):
            raise ServiceError("a contact can only attach files to its own organization's public messages")
        log = _Log(ticket, actor, channel, now)
        out = _store(message, uploads, log)
        log.flush()
    return out
