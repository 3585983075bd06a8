"""DRF and drf-spectacular settings owned by the API.

`sladesk.settings.base` already installs ``rest_framework``
and ``drf_spectacular`` and sets ``REST_FRAMEWORK`` (token + session auth, authenticated by
default, spectacular's AutoSchema). What the API adds is applied per view so that no
settings edit is needed:

- the error envelope: every API view uses `sladesk.api.errors.exception_handler`
  (``EnvelopeMixin``); setting ``REST_FRAMEWORK["EXCEPTION_HANDLER"] =
  "sladesk.api.errors.exception_handler"`` would make it global too;
- pagination: each list view names its keyset paginator;
- the schema: `SPECTACULAR` below is passed as ``custom_settings`` to the schema view.
"""

from __future__ import annotations

from typing import Any

__all__ = ["REST_FRAMEWORK_EXTRA", "SPECTACULAR"]

#: What ``REST_FRAMEWORK`` could carry globally (not required: applied per view).
REST_FRAMEWORK_EXTRA: dict[str, Any] = {
    "EXCEPTION_HANDLER": "sladesk.api.errors.exception_handler",
}

SPECTACULAR: dict[str, Any] = {
    "TITLE": "sladesk API",
    "DESCRIPTION": (
        "Tickets with live SLA clocks; the support contract is code.\n\n"
        "Authenticate with `Authorization: Bearer <token>` (or `Token <token>`; from "
        "`POST /api/v1/auth/token/`, several named tokens per user, `/api/v1/auth/tokens/`) "
        'or a browser session. Errors are `{"error": {"code", "message", "fields"}}`. '
        "Lists are cursor-paginated: follow `next`. See docs/api.md."
    ),
    "VERSION": "1",
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "sladesk.tickets.models.ticket.Status",
        "ClockMetricEnum": "sladesk.tickets.models.clock.Metric",
        "ClockStateEnum": "sladesk.tickets.models.clock.ClockState",
        "ChannelEnum": "sladesk.tickets.models.ticket.Channel",
        "StatusComponentStatusEnum": [
            "operational",
            "degraded_performance",
            "partial_outage",
            "major_outage",
        ],
        "StatusIncidentStatusEnum": ["investigating", "identified", "monitoring", "resolved"],
        "StatusImpactEnum": "sladesk.status.models.Impact",
        "StatusMaintenanceFrequencyEnum": ["", "daily", "weekly", "monthly"],
    },
}
