"""URL map: sign-in at ``/accounts/``, the agent desk at ``/desk/``, the customer portal at
``/portal/``, the admin at ``/admin/``, the REST API under ``/api/`` once `sladesk.api` exists."""

from __future__ import annotations

from importlib.util import find_spec

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views.defaults import page_not_found

from sladesk.web import views as web_views

__all__ = ["handler404", "urlpatterns"]


urlpatterns = [
    path("", web_views.home, name="home"),  # by role: agents -> /desk/, contacts -> /portal/
    path("accounts/", include("sladesk.web.urls")),
    path("desk/", include("sladesk.desk.urls")),
    path("portal/", include("sladesk.portal.urls")),
    path("admin/", admin.site.urls),
]

if find_spec("sladesk.api") is not None and find_spec("sladesk.api.urls") is not None:
    urlpatterns.append(path("api/", include("sladesk.api.urls")))

# The public status page: /status/ (sladesk.status).
if find_spec("sladesk.status") is not None and find_spec("sladesk.status.urls") is not None:
    urlpatterns.append(path("status/", include("sladesk.status.urls")))
# On-call: the PagerDuty webhook and iCal feeds (sladesk.oncall), once it is installed.
if find_spec("sladesk.oncall") is not None and find_spec("sladesk.oncall.urls") is not None:
    urlpatterns.append(path("oncall/", include("sladesk.oncall.urls")))

# Timers and notifications: /health/, /metrics, page acknowledgements (sladesk.notify).
urlpatterns.append(path("", include("sladesk.notify.urls")))


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    """No route matched: the API's JSON error under ``/api/``, Django's page elsewhere."""
    if request.path.startswith("/api/") and find_spec("sladesk.api") is not None:
        from sladesk.api.errors import not_found

        return not_found(request, exception)
    return page_not_found(request, exception)
