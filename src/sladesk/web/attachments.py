"""Serving files on messages to those who may read the message.

Files are written by the ticket services (``attachments=`` of ``services.reply`` and
``services.open_ticket``, or ``services.add_attachments``), never here.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest

from sladesk.tickets import selectors
from sladesk.tickets.models import Attachment

__all__ = ["serve"]


def serve(request: HttpRequest, attachment_id: int) -> FileResponse:
    """The file, when the viewer may read its message (404 otherwise, never 403)."""
    visible = selectors.visible_messages(request.user).filter(
        ticket__in=selectors.visible_tickets(request.user)
    )
    att = Attachment.objects.filter(pk=attachment_id, message__in=visible).first()
    if att is None:
        raise Http404("no such attachment")
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.filename)
