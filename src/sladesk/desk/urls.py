"""``/desk/``: the agent workspace."""

from __future__ import annotations

from django.urls import path

from sladesk.web import attachments
from sladesk.web.access import agent_required

from . import (
    bulk,
    contacts,
    incident,
    macro_views,
    mail_views,
    new_ticket,
    oncall_views,
    originals,
    reports,
    satisfaction_views,
    saved_views,
    settings_views,
    views,
    writes,
)

app_name = "desk"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("inbox/list/", views.inbox_list, name="inbox_list"),
    path("bulk/", bulk.bulk, name="bulk"),
    path("views/save/", saved_views.save_view, name="save_view"),
    path("views/<id:view_id>/edit/", saved_views.edit_view, name="edit_view"),
    path("views/<id:view_id>/delete/", saved_views.delete_view, name="delete_view"),
    path("tickets/new/", new_ticket.new_ticket, name="new_ticket"),
    path("macros/", macro_views.macro_list, name="macros"),
    path("macros/<id:macro_id>/", macro_views.edit_macro, name="edit_macro"),
    path("macros/<id:macro_id>/delete/", macro_views.delete_macro, name="delete_macro"),
    path("tickets/<id:ticket_id>/macro/", macro_views.preview_macro, name="preview_macro"),
    path(
        "tickets/<id:ticket_id>/macro/<id:macro_id>/apply/",
        macro_views.apply_macro,
        name="apply_macro",
    ),
    path("tickets/<id:ticket_id>/", views.ticket_detail, name="ticket"),
    path("tickets/<id:ticket_id>/clocks/", views.clock_panel, name="clock_panel"),
    path("tickets/<id:ticket_id>/message/", writes.message, name="message"),
    path("tickets/<id:ticket_id>/priority/", writes.priority, name="priority"),
    path("tickets/<id:ticket_id>/confirm-sender/", writes.confirm_sender, name="confirm_sender"),
    path("tickets/<id:ticket_id>/status/", writes.status, name="status"),
    path("tickets/<id:ticket_id>/assign/", writes.assign, name="assign"),
    path("tickets/<id:ticket_id>/assign-me/", writes.assign_me, name="assign_me"),
    path("tickets/<id:ticket_id>/fields/", writes.fields, name="fields"),
    path(
        "tickets/<id:ticket_id>/pages/<id:page_id>/ack/",
        writes.acknowledge_page,
        name="acknowledge_page",
    ),
    path("tickets/<id:ticket_id>/presence/", writes.heartbeat, name="heartbeat"),
    path("tickets/<id:ticket_id>/merge/", writes.merge, name="merge"),
    path("tickets/<id:ticket_id>/split/", writes.split, name="split"),
    path("tickets/<id:ticket_id>/link/", writes.link, name="link"),
    path("tickets/<id:ticket_id>/unlink/", writes.unlink, name="unlink"),
    path("tickets/<id:ticket_id>/incident/", incident.open_incident, name="open_incident"),
    path("tickets/<id:ticket_id>/incident/link/", incident.link_incident, name="link_incident"),
    path("messages/<id:message_id>/email/", originals.original_email, name="original_email"),
    path(
        "messages/<id:message_id>/email.eml",
        originals.original_email_download,
        name="original_email_download",
    ),
    path("attachments/<id:attachment_id>/", agent_required(attachments.serve), name="attachment"),
    path("mail/quarantine/", mail_views.mail_quarantine, name="mail_quarantine"),
    path("mail/<id:inbound_id>/raw/", mail_views.mail_raw, name="mail_raw"),
    path("mail/<id:inbound_id>/retry/", mail_views.mail_retry, name="mail_retry"),
    path("mail/<id:inbound_id>/accept/", mail_views.mail_accept, name="mail_accept"),
    path("contacts/", contacts.contacts, name="contacts"),
    path("oncall/", oncall_views.oncall, name="oncall"),
    path(
        "oncall/schedules/<id:schedule_id>/override/", oncall_views.override, name="oncall_override"
    ),
    path("oncall/pages/<id:page_id>/ack/", oncall_views.acknowledge, name="oncall_ack"),
    path("oncall/calendar/", oncall_views.calendar, name="oncall_calendar"),
    path("satisfaction/", satisfaction_views.satisfaction, name="satisfaction"),
    path("reports/", reports.reports, name="reports"),
    path("reports/replay/", reports.replay_page, name="reports_replay"),
    path("reports/statements/<id:org_id>/<str:month>/", reports.statement, name="statement"),
    path("settings/", settings_views.policies, name="settings"),
    path("settings/policies/<str:name>/", settings_views.policy_detail, name="policy"),
    path("settings/teams/", settings_views.teams, name="teams"),
    path("settings/agents/", settings_views.agents, name="agents"),
]
