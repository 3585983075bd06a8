"""Files on messages: storing uploads and serving them to those who may read the message.

`attach_files` is the one writer of `Attachment` rows from the web UI. It runs after the
message's service call (``services.reply`` takes no files yet); it belongs in
`sladesk.tickets.services` once a service for attachments exists.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404, HttpRequest

from sladesk.tickets import selectors
from sladesk.tickets.models import Attachment, Message

__all__ = ["MAX_BYTES", "attach_files", "serve"]

MAX_BYTES = 20 * 1024 * 1024  # per file


def attach_files(message: Message, files: Iterable[UploadedFile]) -> list[Attachment]:
    """Store ``files`` under ``MEDIA_ROOT/attachments/`` as attachments of ``message``."""
    out = []
    for f in files:
        name = (f.name or "file").rsplit("/", 1)[-1][:255]
        att = Attachment(message=message, filename=name, content_type=f.content_type or "", size=f.size or 0)
        att.file.save(name, f, save=False)
        att.save()
        out.append(att)
    return out


def serve(request: HttpRequest, attachment_id: int) -> FileResponse:
    """The file, when the viewer may read its message (404 otherwise, never 403)."""
    visible = selectors.visible_messages(request.user).filter(
        ticket__in=selectors.visible_tickets(request.user)
    )
    att = Attachment.objects.filter(pk=attachment_id, message__in=visible).first()
    if att is None:
        raise Http404("no such attachment")
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.filename)
