"""Routes of the on-call app, mounted at ``/oncall/`` by `sladesk.urls`: the PagerDuty
webhook and the subscribable iCal feeds (secret-token URLs, no sign-in)."""

from __future__ import annotations

from django.urls import path

from . import ical, pagerduty

__all__ = ["urlpatterns"]

app_name = "oncall"

urlpatterns = [
    path("pagerduty/webhook/", pagerduty.webhook, name="pagerduty-webhook"),
    path("ical/schedule/<str:token>.ics", ical.schedule_feed, name="ical-schedule"),
    path("ical/user/<str:token>.ics", ical.user_feed, name="ical-user"),
]
