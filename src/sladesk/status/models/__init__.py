"""The status page's models (one module per concept)."""

from .check import Check, CheckKind
from .incident import (
    CLOSED_STATUSES,
    Impact,
    Incident,
    IncidentComponent,
    IncidentStatus,
    IncidentUpdate,
    TicketIncident,
)
from .maintenance import Maintenance, MaintenanceStatus
from .page import Component, ComponentGroup, ComponentStatus, SpanSource, StatusPage, StatusSpan
from .subscriber import Subscriber, SubscriberKind

__all__ = [
    "CLOSED_STATUSES",
    "Check",
    "CheckKind",
    "Component",
    "ComponentGroup",
    "ComponentStatus",
    "Impact",
    "Incident",
    "IncidentComponent",
    "IncidentStatus",
    "IncidentUpdate",
    "Maintenance",
    "MaintenanceStatus",
    "SpanSource",
    "StatusPage",
    "StatusSpan",
    "Subscriber",
    "SubscriberKind",
    "TicketIncident",
]
