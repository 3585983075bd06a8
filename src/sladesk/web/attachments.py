"""Serving files on messages to those who may read the message.

Files are written by the ticket services (``attachments=`` of ``services.reply`` and
``services.open_ticket``, or ``services.add_attachments``), never here.
"""

from __future__ import annotations

from django.http import FileResponse, HttpRequest

from sladesk.tickets.access import access_attachment

__all__ = ["serve"]


def serve(request: HttpRequest, attachment_id: int) -> FileResponse:
    """The file, when the viewer may read its message (`access_attachment`: its ticket
    visible, notes for staff only; 404 otherwise, never 403)."""
    att = access_attachment(request.user, attachment_id)
    return FileResponse(att.file.open("rb"), as_attachment=True, filename=att.filename)
