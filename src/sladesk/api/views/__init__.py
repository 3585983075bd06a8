"""API views (thin: parse, check access, call one service, serialize)."""

from .accounts import AgentViewSet, ContactViewSet, OrganizationViewSet, TeamViewSet
from .auth import TokenListView, TokenRevokeView, TokenView
from .pages import PageAckView, PageViewSet
from .tickets import TicketViewSet

__all__ = [
    "AgentViewSet",
    "ContactViewSet",
    "OrganizationViewSet",
    "PageAckView",
    "PageViewSet",
    "TeamViewSet",
    "TicketViewSet",
    "TokenListView",
    "TokenRevokeView",
    "TokenView",
]
