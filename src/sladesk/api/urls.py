"""API routes, mounted at ``/api/`` by `sladesk.urls`: ``v1/`` resources, ``schema/``, ``docs/``."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from . import status_urls
from .drf_settings import SPECTACULAR
from .views import (
    AgentViewSet,
    ContactViewSet,
    OrganizationViewSet,
    PageAckView,
    PageViewSet,
    TeamViewSet,
    TicketViewSet,
    TokenListView,
    TokenRevokeView,
    TokenView,
    oncall,
)
from .views.macros import MacroViewSet
from .views.reports import AttainmentView
from .views.satisfaction import SatisfactionView

__all__ = ["urlpatterns"]

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("tickets", TicketViewSet, basename="ticket")
router.register("organizations", OrganizationViewSet, basename="organization")
router.register("contacts", ContactViewSet, basename="contact")
router.register("teams", TeamViewSet, basename="team")
router.register("agents", AgentViewSet, basename="agent")
router.register("pages", PageViewSet, basename="page")
router.register("macros", MacroViewSet, basename="macro")

urlpatterns = [
    path("v1/auth/token/", TokenView.as_view(), name="token"),
    path("v1/status/", include(status_urls)),
    # On-call (sladesk.oncall): schedules, overrides, escalation policies, page actions.
    path("v1/schedules/", oncall.SchedulesView.as_view(), name="schedules"),
    path("v1/schedules/<id:id>/", oncall.ScheduleDetailView.as_view(), name="schedule"),
    path(
        "v1/schedules/<id:id>/oncall/", oncall.ScheduleOncallView.as_view(), name="schedule-oncall"
    ),
    path(
        "v1/schedules/<id:id>/overrides/",
        oncall.ScheduleOverridesView.as_view(),
        name="schedule-overrides",
    ),
    path(
        "v1/schedules/<id:id>/ical/",
        oncall.ScheduleIcalImportView.as_view(),
        name="schedule-ical-import",
    ),
    path("v1/oncall/calendar/", oncall.MyCalendarView.as_view(), name="oncall-calendar"),
    path(
        "v1/escalation-policies/",
        oncall.EscalationPoliciesView.as_view(),
        name="escalation-policies",
    ),
    path(
        "v1/pages/<id:id>/acknowledge/",
        oncall.PageAcknowledgeView.as_view(),
        name="page-acknowledge",
    ),
    path("v1/pages/<id:id>/resolve/", oncall.PageResolveView.as_view(), name="page-resolve"),
    path("v1/auth/tokens/", TokenListView.as_view(), name="tokens"),
    path("v1/auth/tokens/<id:token_id>/", TokenRevokeView.as_view(), name="token-revoke"),
    path("v1/satisfaction/", SatisfactionView.as_view(), name="satisfaction"),
    path("v1/reports/attainment/", AttainmentView.as_view(), name="reports-attainment"),
    path("v1/", include(router.urls)),
    path("v1/pages/<id:id>/ack/", PageAckView.as_view(), name="page-ack"),
    path(
        "schema/",
        SpectacularAPIView.as_view(
            custom_settings=SPECTACULAR, authentication_classes=[], permission_classes=[]
        ),
        name="schema",
    ),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
