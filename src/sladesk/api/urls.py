"""API routes, mounted at ``/api/`` by `sladesk.urls`: ``v1/`` resources, ``schema/``, ``docs/``."""

from __future__ import annotations

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from .drf_settings import SPECTACULAR
from .views import (
    AgentViewSet,
    ContactViewSet,
    OrganizationViewSet,
    PageViewSet,
    TeamViewSet,
    TicketViewSet,
    TokenView,
)

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

urlpatterns = [
    path("v1/auth/token/", TokenView.as_view(), name="token"),
    path("v1/", include(router.urls)),
    path(
        "schema/",
        SpectacularAPIView.as_view(
            custom_settings=SPECTACULAR, authentication_classes=[], permission_classes=[]
        ),
        name="schema",
    ),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
