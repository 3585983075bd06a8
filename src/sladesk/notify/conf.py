"""Settings of the timer and outbox workers, read in one place.

Each value comes from ``settings.SLADESK_NOTIFY[<name>]`` if set, else the environment
variable ``SLADESK_NOTIFY_<NAME>``, else the default below. Read on every call (cheap),
so tests can override ``settings.SLADESK_NOTIFY``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings

from .channels.pagerduty import PAGERDUTY_EVENTS_URL

__all__ = ["NotifyConf", "conf"]


@dataclass(frozen=True)
class NotifyConf:
    """Worker settings (seconds unless the name says otherwise)."""

    #: Base URL of the desk in links (ticket links, acknowledge links).
    public_url: str = "http://127.0.0.1:8000"
    #: PagerDuty Events API v2 endpoint (the EU region or a test receiver can be set).
    pagerduty_url: str = PAGERDUTY_EVENTS_URL
    #: ``payload.source`` of PagerDuty events.
    pagerduty_source: str = "sladesk"
    #: A timer fired more than this after its ``fire_at`` is marked ``late``.
    late_after: float = 10.0
    #: How long a claimed outbox row belongs to its worker before others may take it.
    lease: float = 60.0
    #: A triggered page repeats this often until acknowledged.
    page_repeat_minutes: float = 15.0
    #: Slug of the team paged for tickets without a team ("" = none).
    oncall_team: str = ""
    #: Rows taken per claim.
    timer_batch: int = 200
    outbox_batch: int = 50
    #: Sends in flight per delivery worker (threads, mostly waiting on sockets). Rate x
    #: receiver latency must fit with room to spare: 33 notifications/s to a receiver
    #: answering in 200 ms keep ~7 busy (benchmarks/timer_latency.py --answer-ms 200).
    delivery_threads: int = 16
    #: Attempts before a transiently failing notification is dead.
    max_attempts: int = 15
    #: Fired/cancelled timers and delivered outbox rows older than this are pruned.
    keep_days: float = 30.0
    #: How long an acknowledge link stays valid.
    ack_link_days: float = 7.0
    #: How often the auditor looks (and pings the dead-man's switch while healthy).
    audit_every: float = 60.0
    #: How often old timers and delivered outbox rows are pruned.
    prune_every: float = 3600.0
    #: Dead-man's-switch URL the auditor GETs while healthy ("" = off; also read from
    #: ``SLADESK_DEADMAN_URL``). A secret: never logged.
    deadman_url: str = ""
    #: Health thresholds: ``degraded`` beyond these ages.
    timer_overdue_degraded: float = 30.0
    outbox_age_degraded: float = 300.0


def conf() -> NotifyConf:
    """The current settings (``settings.SLADESK_NOTIFY`` > environment > defaults)."""
    overrides: dict[str, Any] = getattr(settings, "SLADESK_NOTIFY", {}) or {}
    values: dict[str, Any] = {}
    for f in fields(NotifyConf):
        raw = overrides.get(f.name, os.environ.get(f"SLADESK_NOTIFY_{f.name.upper()}"))
        if raw is None:
            continue
        kind = type(f.default)
        values[f.name] = kind(raw) if kind in (int, float) else str(raw)
    return NotifyConf(**values)
