"""``/desk/``: the agent workspace."""

from __future__ import annotations

from django.urls import path

from sladesk.web import attachments
from sladesk.web.access import agent_required

from . import actions, contacts, mail_views, originals, settings_views, views

app_name = "desk"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox/list/", views.inbox_list, name="inbox_list"),
    path("tickets/<id:ticket_id>/", views.ticket_detail, name="ticket"),
    path("tickets/<id:ticket_id>/clocks/", views.clock_panel, name="clock_panel"),
    path("tickets/<id:ticket_id>/message/", actions.message, name="message"),
    path("tickets/<id:ticket_id>/priority/", actions.priority, name="priority"),
    path("tickets/<id:ticket_id>/confirm-sender/", actions.confirm_sender, name="confirm_sender"),
    path("tickets/<id:ticket_id>/status/", actions.status, name="status"),
    path("tickets/<id:ticket_id>/assign/", actions.assign, name="assign"),
    path("tickets/<id:ticket_id>/fields/", actions.fields, name="fields"),
    path(
        "tickets/<id:ticket_id>/pages/<id:page_id>/ack/",
        actions.acknowledge_page,
        name="acknowledge_page",
    ),
    path("tickets/<id:ticket_id>/presence/", actions.heartbeat, name="heartbeat"),
    path("tickets/<id:ticket_id>/merge/", actions.merge, name="merge"),
    path("tickets/<id:ticket_id>/split/", actions.split, name="split"),
    path("tickets/<id:ticket_id>/link/", actions.link, name="link"),
    path("tickets/<id:ticket_id>/unlink/", actions.unlink, name="unlink"),
    path("messages/<id:message_id>/email/", originals.original_email, name="original_email"),
    path("messages/<id:message_id>/email.eml", originals.original_email_download, name="original_email_download"),
    path("attachments/<id:attachment_id>/", agent_required(attachments.serve), name="attachment"),
    path("mail/quarantine/", mail_views.mail_quarantine, name="mail_quarantine"),
    path("mail/<id:inbound_id>/raw/", mail_views.mail_raw, name="mail_raw"),
    path("mail/<id:inbound_id>/retry/", mail_views.mail_retry, name="mail_retry"),
    path("mail/<id:inbound_id>/accept/", mail_views.mail_accept, name="mail_accept"),
    path("contacts/", contacts.contacts, name="contacts"),
    path("settings/", settings_views.policies, name="settings"),
    path("settings/policies/<str:name>/", settings_views.policy_detail, name="policy"),
    path("settings/teams/", settings_views.teams, name="teams"),
    path("settings/agents/", settings_views.agents, name="agents"),
]
