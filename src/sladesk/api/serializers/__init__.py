"""Input and output shapes of the API."""

from .accounts import (
    AccountTeamMemberSerializer,
    AgentSerializer,
    ContactSerializer,
    OrganizationSerializer,
    TeamSerializer,
)
from .auth import CredentialsSerializer, TokenSerializer
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
    "ClockSerializer",
    "ContactSerializer",
    "CredentialsSerializer",
    "ErrorSerializer",
    "MessageSerializer",
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
