"""URL map: sign-in at ``/accounts/``, the agent desk at ``/desk/``, the customer portal at
``/portal/``, the admin at ``/admin/``, the REST API under ``/api/`` once `sladesk.api` exists."""

from __future__ import annotations

from importlib.util import find_spec

from django.contrib import admin
from django.urls import include, path

from sladesk.web import views as web_views

__all__ = ["urlpatterns"]


urlpatterns = [
    path("", web_views.home, name="home"),  # by role: agents -> /desk/, contacts -> /portal/
    path("accounts/", include("sladesk.web.urls")),
    path("desk/", include("sladesk.desk.urls")),
    path("portal/", include("sladesk.portal.urls")),
    path("admin/", admin.site.urls),
]

if find_spec("sladesk.api") is not None and find_spec("sladesk.api.urls") is not None:
    urlpatterns.append(path("api/", include("sladesk.api.urls")))

# Timers and notifications: /health/, /metrics, page acknowledgements (sladesk.notify).
urlpatterns.append(path("", include("sladesk.notify.urls")))
