"""The ticket data model (one module per concept)."""

from .clock import ClockState, Metric, SlaClock
from .event import EventKind, TicketEvent
from .link import LinkKind, TicketLink
from .message import Attachment, Message
from .policy import PolicyVersion
from .search import TicketSearchDocument
from .ticket import Channel, Status, Tag, Ticket

__all__ = [
    "Attachment",
    "Channel",
    "ClockState",
    "EventKind",
    "LinkKind",
    "Message",
    "Metric",
    "PolicyVersion",
    "SlaClock",
    "Status",
    "Tag",
    "Ticket",
    "TicketEvent",
    "TicketLink",
    "TicketSearchDocument",
]
