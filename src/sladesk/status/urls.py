"""Routes of the status page, mounted at ``/status/`` by `sladesk.urls`.

``/status/`` is the default page (``is_default``, else the first by name); every route
also exists under ``/status/<slug>/`` for a page by its slug. The fixed prefixes
(``api``, ``confirm``, ``unsubscribe``, ``heartbeat``, ``history.atom``) come first, so
those words cannot be page slugs.
"""

from __future__ import annotations

from django.urls import path, re_path

from . import views

__all__ = ["urlpatterns"]

app_name = "status"

_KIND = (
    r"(?P<kind>summary|status|components|incidents(?:/unresolved)?"
    r"|scheduled-maintenances(?:/upcoming|/active)?)"
)
_SLUG = r"(?P<slug>[-a-zA-Z0-9_]+)"

urlpatterns = [
    path("", views.public_page, name="default"),
    re_path(rf"^api/v2/{_KIND}\.json$", views.public_json, name="default-json"),
    path("history.atom", views.atom, name="default-atom"),
    path("subscribe/", views.subscribe, name="default-subscribe"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("heartbeat/<str:token>/", views.heartbeat, name="heartbeat"),
    re_path(rf"^{_SLUG}/$", views.public_page, name="page"),
    re_path(rf"^{_SLUG}/api/v2/{_KIND}\.json$", views.public_json, name="json"),
    re_path(rf"^{_SLUG}/history\.atom$", views.atom, name="atom"),
    re_path(rf"^{_SLUG}/subscribe/$", views.subscribe, name="subscribe"),
    re_path(rf"^{_SLUG}/incidents/(?P<public_id>[a-z0-9]+)/$", views.incident, name="incident"),
]
