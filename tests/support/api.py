"""Helpers of the API tests: reading a ticket body's SLA clocks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from support.clock import T

__all__ = ["T", "due_of", "sla_of"]


def sla_of(body: dict[str, Any], metric: str) -> dict[str, Any]:
    """The ``sla`` entry of ``metric`` in a ticket body (KeyError if absent)."""
    for clock in body["sla"]:
        if clock["metric"] == metric:
            return clock
    raise KeyError(f"no {metric} clock in {[c['metric'] for c in body['sla']]}")


def due_of(body: dict[str, Any], metric: str) -> datetime | None:
    """The due instant of ``metric`` as an aware datetime (None when stopped or paused)."""
    raw = sla_of(body, metric)["due_at"]
    return None if raw is None else T(raw)
