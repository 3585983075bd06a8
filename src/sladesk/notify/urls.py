"""Routes of the notify layer, mounted at the site root by `sladesk.urls`."""

from __future__ import annotations

from django.urls import path

from . import views

__all__ = ["urlpatterns"]

app_name = "notify"

urlpatterns = [
    path("health/", views.health, name="health"),
    path("metrics", views.metrics, name="metrics"),
    path("notify/ack/<str:token>/", views.ack_link, name="ack"),
]
