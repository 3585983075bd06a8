"""The only writers of status-page state (components, incidents, maintenance, checks,
subscribers). Each function runs in one transaction and bumps the page's revision."""

from __future__ import annotations

from ._common import ServiceError, bump
from .checks import beat, record_result, run_checks
from .components import create_component, set_component_status, update_component
from .incidents import (
    backfill_times,
    edit_incident,
    open_incident,
    post_update,
    publish_postmortem,
)
from .maintenance import (
    apply_maintenance,
    cancel_maintenance,
    components_in_maintenance,
    schedule_maintenance,
)
from .subscribers import add_webhook, confirm, subscribe_email, unsubscribe
from .tickets import can_open_incident, link_ticket, open_incident_for_ticket, tell_tickets

__all__ = [
    "ServiceError",
    "add_webhook",
    "apply_maintenance",
    "backfill_times",
    "beat",
    "bump",
    "can_open_incident",
    "cancel_maintenance",
    "components_in_maintenance",
    "confirm",
    "create_component",
    "edit_incident",
    "link_ticket",
    "open_incident",
    "open_incident_for_ticket",
    "post_update",
    "publish_postmortem",
    "record_result",
    "run_checks",
    "schedule_maintenance",
    "set_component_status",
    "subscribe_email",
    "tell_tickets",
    "unsubscribe",
    "update_component",
]
