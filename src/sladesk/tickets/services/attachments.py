"""Files on messages: the one writer of `Attachment` rows from the desk, the portal and the API.

See `sladesk.tickets.services` for the conventions every service follows.

**Files follow the transaction.** A file is written to storage when its row is inserted,
so a committed row always has its file. When the row is rolled back instead (the whole
transaction, or only the savepoint it was written in: the email batch falling back to one
message at a time), the file must go too. `store_uploads` remembers each file it writes with an
``on_commit`` marker: Django runs the marker when the row commits and drops it with the
row's savepoint or transaction. `discard_rolled_back` deletes the files whose marker was
dropped. The services that store files call it when their block ends
(`files_follow_transaction`), and so must code that calls them inside a transaction of
its own that may roll back (the email pipeline wraps each batch): the file is then
deleted as soon as the rollback happened. Any other rolled-back file of the thread goes at
its next `store_uploads`.

**A process killed before the commit** runs nothing, so before a file is written a
*pending marker* naming it is written to ``PENDING_DIR`` in the same storage (the file's
name is fixed first: a fresh random directory per file, so no other writer can take it).
The commit deletes the marker (the same ``on_commit`` marker); a rollback deletes both.
`sladesk.tickets.files.sweep_orphan_files`, a periodic job, deletes what a marker older
than a transaction can last still names and no `Attachment` row references.
"""

from __future__ import annotations

import posixpath
import threading
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage
from django.db import transaction

from sladesk.core import time as core_time

from .. import events
from ..models import Attachment, Channel, Message
from .base import Log, ServiceError, customer_side, lock

__all__ = [
    "INLINE_REF",
    "MAX_ATTACHMENT_BYTES",
    "PENDING_DIR",
    "add_attachments",
    "check_uploads",
    "discard_rolled_back",
    "files_follow_transaction",
    "link_inline_images",
]

#: The largest file a person may attach (the email channel has its own limit,
#: ``SLADESK_INTAKE["max_attachment_bytes"]``, and keeps larger parts in the raw mail).
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

#: Where `store_uploads` writes the pending marker of each file it is about to write.
PENDING_DIR = "attachments-pending"

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
                f"{_name(upload)} is {size:,} bytes: "
                f"files may be at most {MAX_ATTACHMENT_BYTES:,} bytes"
            )


class _Written:
    """A file `store_uploads` wrote in a transaction not yet over; called by Django on commit
    (the row is kept: its pending marker goes)."""

    __slots__ = ("kept", "marker", "name", "storage")

    def __init__(self, storage: Storage, name: str, marker: str) -> None:
        self.storage, self.name, self.marker, self.kept = storage, name, marker, False

    def __call__(self) -> None:
        self.kept = True
        self.storage.delete(self.marker)


_written = threading.local()


def _ledger() -> list[_Written]:
    found: list[_Written] | None = getattr(_written, "files", None)
    if found is None:
        found = _written.files = []
    return found


def _short(name: str, limit: int = 60) -> str:
    """``name`` cut to ``limit`` characters for its storage path, keeping its extension (up
    to 10 characters); the row keeps the full name in ``filename``."""
    root, ext = posixpath.splitext(name)
    ext = ext[:10]
    return root[: limit - len(ext)] + ext


def _pending(storage: Storage, name: str) -> str:
    """Write the pending marker of the file ``name`` (before the file); its name."""
    marker: str = storage.save(f"{PENDING_DIR}/{uuid.uuid4().hex}", ContentFile(name.encode()))
    return marker


def _remember(storage: Storage, name: str, marker: str) -> None:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        storage.delete(marker)  # autocommit: the row is saved, nothing can roll it back
        return
    written = _Written(storage, name, marker)
    transaction.on_commit(written)
    _ledger().append(written)


def discard_rolled_back() -> int:
    """Delete the files `store_uploads` wrote in this thread whose rows were rolled back (their
    ``on_commit`` marker neither ran nor is still waiting for a commit); returns how many.
    Files of a transaction still open are kept for a later call."""
    ledger = _ledger()
    if not ledger:
        return 0
    connection = transaction.get_connection()
    waiting = (
        [func for _, func, _ in connection.run_on_commit] if connection.in_atomic_block else []
    )
    kept, deleted = [], 0
    for marker in ledger:
        if marker.kept:
            continue
        if any(func is marker for func in waiting):
            kept.append(marker)
            continue
        marker.storage.delete(marker.name)
        marker.storage.delete(marker.marker)
        deleted += 1
    ledger[:] = kept
    return deleted


@contextmanager
def files_follow_transaction() -> Iterator[None]:
    """Around a service's ``transaction.atomic()`` block: when the block is over, however it
    ended, delete the files whose rows did not survive (`discard_rolled_back`)."""
    try:
        yield
    finally:
        discard_rolled_back()


def store_uploads(message: Message, uploads: Iterable[Upload], log: Log) -> list[Attachment]:
    """Write the files and their rows (the caller holds the ticket's lock); log one event.
    Each file is deleted again if its row is rolled back (module docstring); files left by
    an earlier rolled-back transaction of this thread go first."""
    discard_rolled_back()
    out = []
    for upload in uploads:
        name = _name(upload)
        if isinstance(upload, tuple):
            content: File = ContentFile(upload[1])
            content_type = upload[2] if len(upload) > 2 else ""
        else:
            content, content_type = upload, getattr(upload, "content_type", "") or ""
        att = Attachment(
            message=message, filename=name, content_type=content_type[:200], size=_size(upload)
        )
        field, storage = att.file.field, att.file.storage
        # the final name, fixed before anything is written: a fresh directory of its own
        # (so nobody else can take it), cut to the column's length as storage would
        wanted = field.generate_filename(att, f"{uuid.uuid4().hex[:16]}/{_short(name)}")
        final = storage.get_available_name(wanted, max_length=field.max_length)
        marker = _pending(storage, final)
        att.file = storage.save(final, content, max_length=field.max_length)
        if att.file.name != final:  # cannot happen with a fresh directory; keep the marker true
            storage.delete(marker)
            marker = _pending(storage, att.file.name)
        _remember(storage, att.file.name, marker)
        att.save()
        out.append(att)
    if out:
        log.add(
            events.attachment,
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
    customer = customer_side(actor) if actor is not None and not isinstance(actor, str) else None
    now = core_time.now()
    with files_follow_transaction(), transaction.atomic():
        ticket = lock(message.ticket)
        if customer is not None and (
            customer.organization_id != ticket.organization_id or not message.public
        ):
            raise ServiceError(
                "a contact can only attach files to its own organization's public messages"
            )
        log = Log(ticket, actor, channel, now)
        out = store_uploads(message, uploads, log)
        log.flush()
    return out


#: What an inline image's ``cid:`` becomes in a message's HTML once stored: a reference to
#: the `Attachment` row, which the pages turn into their own attachment URL
#: (`sladesk.web.templatetags.sladesk_html.inline_images`).
INLINE_REF = "cid:sladesk-attachment-{pk}"


def link_inline_images(message: Message, by_content_id: Mapping[str, Attachment]) -> bool:
    """Point the ``cid:<content id>`` images of ``message``'s HTML at the attachments that
    hold them (``INLINE_REF``), so the desk and the portal can show a mail's inline images
    from their own attachment URLs. Returns whether the HTML changed (and was saved)."""
    html = message.body_html
    for content_id, att in by_content_id.items():
        if content_id:
            html = html.replace(f'src="cid:{content_id}"', f'src="{INLINE_REF.format(pk=att.pk)}"')
    if html == message.body_html:
        return False
    message.body_html = html
    message.save(update_fields=["body_html"])
    return True
