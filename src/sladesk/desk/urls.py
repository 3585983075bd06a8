"""``/desk/``: the agent workspace."""

from __future__ import annotations

from django.urls import path

from sladesk.web import attachments
from sladesk.web.access import agent_required

from . import actions, mail_views, originals, settings_views, views

app_name = "desk"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox/list/", views.inbox_list, name="inbox_list"),
    path("tickets/<int:ticket_id>/", views.ticket_detail, name="ticket"),
    path("tickets/<int:ticket_id>/clocks/", views.clock_panel, name="clock_panel"),
    path("tickets/<int:ticket_id>/message/", actions.message, name="message"),
    path("tickets/<int:ticket_id>/priority/", actions.priority, name="priority"),
    path("tickets/<int:ticket_id>/confirm-sender/", actions.confirm_sender, name="confirm_sender"),
    path("tickets/<int:ticket_id>/status/", actions.status, name="status"),
    path("tickets/<int:ticket_id>/assign/", actions.assign, name="assign"),
    path("tickets/<int:ticket_id>/fields/", actions.fields, name="fields"),
    path(
        "tickets/<int:ticket_id>/pages/<int:page_id>/ack/",
        actions.acknowledge_page,
        name="acknowledge_page",
    ),
    path("tickets/<int:ticket_id>/presence/", actions.heartbeat, name="heartbeat"),
    path("tickets/<int:ticket_id>/merge/", actions.merge, name="merge"),
    path("tickets/<int:ticket_id>/split/", actions.split, name="split"),
    path("tickets/<int:ticket_id>/link/", actions.link, name="link"),
    path("tickets/<int:ticket_id>/unlink/", actions.unlink, name="unlink"),
    path("messages/<int:message_id>/email/", originals.original_email, name="original_email"),
    path("messages/<int:message_id>/email.eml", originals.original_email_download, name="original_email_download"),
    path("attachments/<int:attachment_id>/", agent_required(attachments.serve), name="attachment"),
    path("mail/quarantine/", mail_views.mail_quarantine, name="mail_quarantine"),
    path("mail/<int:inbound_id>/raw/", mail_views.mail_raw, name="mail_raw"),
    path("mail/<int:inbound_id>/retry/", mail_views.mail_retry, name="mail_retry"),
    path("mail/<int:inbound_id>/accept/", mail_views.mail_accept, name="mail_accept"),
    path("settings/", settings_views.policies, name="settings"),
    path("settings/policies/<str:name>/", settings_views.policy_detail, name="policy"),
    path("settings/teams/", settings_views.teams, name="teams"),
    path("settings/agents/", settings_views.agents, name="agents"),
]
