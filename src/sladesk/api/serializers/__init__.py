"""Input and output shapes of the API."""

from .accounts import (
    AccountTeamMemberSerializer,
    AgentSerializer,
    ContactSerializer,
    OrganizationSerializer,
    TeamSerializer,
)
from .auth import ApiTokenSerializer, CredentialsSerializer, NewTokenSerializer, TokenSerializer
from .errors import ErrorSerializer
from .tickets import (
    ClockSerializer,
    MessageSerializer,
    ReasonSerializer,
    ReplySerializer,
    TicketCreateSerializer,
    TicketDetailSerializer,
    TicketFilterSerializer,
    TicketSerializer,
    TicketUpdateSerializer,
)

__all__ = [
    "AccountTeamMemberSerializer",
    "AgentSerializer",
    "ApiTokenSerializer",
    "ClockSerializer",
    "ContactSerializer",
    "CredentialsSerializer",
    "ErrorSerializer",
    "MessageSerializer",
    "NewTokenSerializer",
    "OrganizationSerializer",
    "ReasonSerializer",
    "ReplySerializer",
    "TeamSerializer",
    "TicketCreateSerializer",
    "TicketDetailSerializer",
    "TicketFilterSerializer",
    "TicketSerializer",
    "TicketUpdateSerializer",
    "TokenSerializer",
]
