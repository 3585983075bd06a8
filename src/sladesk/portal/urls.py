"""``/portal/``: the customer portal."""

from __future__ import annotations

from django.urls import path

from sladesk.web import attachments
from sladesk.web.access import contact_required

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.tickets, name="tickets"),
    path("new/", views.new_ticket, name="new"),
    path("tickets/<id:ticket_id>/", views.ticket_detail, name="ticket"),
    path("tickets/<id:ticket_id>/reply/", views.reply, name="reply"),
    path("tickets/<id:ticket_id>/escalate/", views.escalate, name="escalate"),
    path("attachments/<id:attachment_id>/", contact_required(attachments.serve), name="attachment"),
]
