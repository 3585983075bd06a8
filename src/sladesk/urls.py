"""URL map: the admin at ``/admin/``, the REST API under ``/api/`` once `sladesk.api` exists."""

from __future__ import annotations

from importlib.util import find_spec

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path

__all__ = ["urlpatterns"]


def home(request: HttpRequest) -> HttpResponse:
    """Until the desk UI exists, the home page is the admin."""
    return redirect("admin:index")


urlpatterns = [
    path("", home, name="home"),
    path("admin/", admin.site.urls),
]

if find_spec("sladesk.api") is not None and find_spec("sladesk.api.urls") is not None:
    urlpatterns.append(path("api/", include("sladesk.api.urls")))
