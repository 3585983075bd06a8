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
from .ticket_inputs import (
    ReasonSerializer,
    ReplySerializer,
    TicketCreateSerializer,
    TicketFilterSerializer,
    TicketUpdateSerializer,
)
from .tickets import ClockSerializer, MessageSerializer, TicketDetailSerializer, TicketSerializer

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
