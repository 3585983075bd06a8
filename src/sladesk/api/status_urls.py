"""``/api/v1/status/…``: the status page's admin API (`sladesk.api.views.status`).

Objects are addressed by their public id (hex, the ``id`` of the public JSON)."""

from __future__ import annotations

from django.urls import re_path

from .views import status as views

__all__ = ["urlpatterns"]

_ID = r"(?P<public_id>[0-9a-f]{1,32})"

urlpatterns = [
    re_path(r"^components/$", views.ComponentListView.as_view(), name="status-components"),
    re_path(rf"^components/{_ID}/$", views.ComponentDetailView.as_view(), name="status-component"),
    re_path(r"^incidents/$", views.IncidentListView.as_view(), name="status-incidents"),
    re_path(rf"^incidents/{_ID}/$", views.IncidentDetailView.as_view(), name="status-incident"),
    re_path(
        rf"^incidents/{_ID}/updates/$",
        views.IncidentUpdateView.as_view(),
        name="status-incident-updates",
    ),
    re_path(
        rf"^incidents/{_ID}/postmortem/$",
        views.IncidentPostmortemView.as_view(),
        name="status-incident-postmortem",
    ),
    re_path(
        rf"^incidents/{_ID}/tickets/$",
        views.IncidentTicketView.as_view(),
        name="status-incident-tickets",
    ),
    re_path(r"^uptime/$", views.UptimeView.as_view(), name="status-uptime"),
    re_path(r"^maintenances/$", views.MaintenanceListView.as_view(), name="status-maintenances"),
    re_path(
        rf"^maintenances/{_ID}/$", views.MaintenanceDetailView.as_view(), name="status-maintenance"
    ),
    re_path(
        rf"^maintenances/{_ID}/cancel/$",
        views.MaintenanceCancelView.as_view(),
        name="status-maintenance-cancel",
    ),
]
