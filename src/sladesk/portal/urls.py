"""``/portal/``: the customer portal."""

from __future__ import annotations

from django.urls import path

from sladesk.web import attachments
from sladesk.web.access import contact_required

from . import satisfaction, statements, views

app_name = "portal"

urlpatterns = [
    path("", views.tickets, name="tickets"),
    path("new/", views.new_ticket, name="new"),
    path("preferences/", views.preferences, name="preferences"),
    path("tickets/<id:ticket_id>/", views.ticket_detail, name="ticket"),
    path("tickets/<id:ticket_id>/reply/", views.reply, name="reply"),
    path("tickets/<id:ticket_id>/escalate/", views.escalate, name="escalate"),
    path("tickets/<id:ticket_id>/rate/", satisfaction.rate_ticket, name="rate_ticket"),
    path("satisfaction/<str:token>/comment/", satisfaction.rate_comment, name="rate_comment"),
    path("satisfaction/<str:token>/<str:rating>/", satisfaction.rate_link, name="rate_link"),
    path("attachments/<id:attachment_id>/", contact_required(attachments.serve), name="attachment"),
    path("statements/", statements.statements, name="statements"),
    path("statements/<str:month>/", statements.statement, name="statement"),
]
