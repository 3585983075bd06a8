"""URL map: sign-in at ``/accounts/``, the agent desk at ``/desk/``, the customer portal at
``/portal/``, the admin at ``/admin/``, the REST API under ``/api/`` once `sladesk.api` exists."""

from __future__ import annotations

from importlib.util import find_spec

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, HttpResponseServerError
from django.template.loader import render_to_string
from django.urls import include, path
from django.utils.http import urlencode
from django.views.defaults import bad_request, page_not_found

from sladesk.core.request_id import current_request_id
from sladesk.web import views as web_views

__all__ = ["admin_sign_in", "handler400", "handler404", "handler500", "urlpatterns"]


def admin_sign_in(request: HttpRequest) -> HttpResponse:
    """``/admin/login/`` is the one sign-in page too (throttled, with the code step)."""
    target = request.GET.get("next") or "/admin/"
    return HttpResponseRedirect("/accounts/login/?" + urlencode({"next": target}))


urlpatterns = [
    path("", web_views.home, name="home"),
    path("admin/login/", admin_sign_in),  # by role: agents -> /desk/, contacts -> /portal/
    path("accounts/", include("sladesk.web.urls")),
    # Single sign-on (OpenID Connect) for agents: /oidc/authenticate/ and /oidc/callback/;
    # they answer only when SLADESK_OIDC_* is configured (sladesk.signin.oidc).
    path("oidc/", include("mozilla_django_oidc.urls")),
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


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    """A request Django refused before any view (a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``,
    too many fields, a bad Host): under ``/api/`` the API's JSON error, 413 for size."""
    if request.path.startswith("/api/") and find_spec("sladesk.api") is not None:
        from sladesk.api.errors import request_refused

        return request_refused(request, exception)
    return bad_request(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    """An unhandled error (already logged with its traceback by ``django.request``): the
    request id the log line carries, as JSON under ``/api/``, as a page elsewhere."""
    request_id = current_request_id()
    if request.path.startswith("/api/") and find_spec("sladesk.api") is not None:
        from sladesk.api.errors import server_error

        return server_error(request_id)
    html = render_to_string("web/server_error.html", {"request_id": request_id})
    return HttpResponseServerError(html)


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    """No route matched: the API's JSON error under ``/api/``, Django's page elsewhere."""
    if request.path.startswith("/api/") and find_spec("sladesk.api") is not None:
        from sladesk.api.errors import not_found

        return not_found(request, exception)
    return page_not_found(request, exception)
