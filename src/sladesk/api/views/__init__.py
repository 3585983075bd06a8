"""API views (thin: parse, check access, call one service, serialize)."""

from .accounts import AgentViewSet, ContactViewSet, OrganizationViewSet, TeamViewSet
from .auth import TokenView
from .pages import PageViewSet
from .tickets import TicketViewSet

__all__ = [
    "AgentViewSet",
    "ContactViewSet",
    "OrganizationViewSet",
    "PageViewSet",
    "TeamViewSet",
    "TicketViewSet",
    "TokenView",
]
