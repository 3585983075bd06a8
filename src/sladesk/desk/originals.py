"""The original email behind a message: its stored headers and the raw ``.eml``.

Agents only, and only for messages of tickets they may see
(`sladesk.intake.access.check_original`). Anyone else — contacts included, whatever their
organization, and agents scoped elsewhere — gets 404, never 403, so the page does not
even confirm that a message came by email; anonymous visitors are sent to sign in first.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from sladesk.intake.access import check_original
from sladesk.intake.models import InboundMessage
from sladesk.intake.originals import header_lines, original_head_of, original_of
from sladesk.web.access import agent_or_404
from sladesk.web.timefmt import viewer_zone

__all__ = ["original_email", "original_email_download"]


def _original(request: HttpRequest, message_id: int, *, head_only: bool = False) -> InboundMessage:
    message_id = check_original(request.user, message_id)
    row = original_head_of(message_id) if head_only else original_of(message_id)
    if row is None:
        raise Http404("this message did not come by email")
    return row


@agent_or_404
def original_email(request: HttpRequest, message_id: int) -> HttpResponse:
    """The stored mail's envelope and header fields, with a link to download it; reads
    only the head of the raw mail (`original_head_of`), however large the mail."""
    row = _original(request, message_id, head_only=True)
    context = {
        "row": row,
        "message_id": message_id,
        "ticket_id": row.ticket_message.ticket_id if row.ticket_message else row.ticket_id,
        "headers": header_lines(bytes(row.raw_head)),
        "agent_zone": viewer_zone(request.user),
    }
    return render(request, "desk/original_email.html", context)


@agent_or_404
def original_email_download(request: HttpRequest, message_id: int) -> HttpResponse:
    """The raw message exactly as received (``message/rfc822``, ``message-<id>.eml``)."""
    row = _original(request, message_id)
    response = HttpResponse(bytes(row.raw), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="message-{message_id}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
