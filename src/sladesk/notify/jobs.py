"""The notify layer's periodic jobs (`sladesk.core.periodic`): prune and audit.

=================  ===================  ===============================================
job                every                what
=================  ===================  ===============================================
``notify.prune``   ``prune_every``      `health.prune`: fired/cancelled timers of
                   (1 h)                finished clocks and delivered outbox rows older
                                        than ``keep_days``
``notify.audit``   ``audit_every``      `health.snapshot`: logs a warning when degraded
                   (60 s)               (oldest overdue timer, oldest queued outbox row);
                                        while ``ok`` GETs the dead-man's-switch URL
``tickets.orphan_  15 min               `sladesk.tickets.files.sweep_orphan_files`:
files``                                 attachment files whose transaction died before
                                        its commit (pending markers older than 1 h)
=================  ===================  ===============================================

The dead-man's switch (Healthchecks.io, Cronitor, Dead Man's Snitch, ...) alerts when the
pings stop — whether the desk is degraded or no worker runs at all. Its URL is a secret
(it lets anyone silence the alert) and is never logged: a failed ping is logged with the
HTTP status or the error's class only.
"""

from __future__ import annotations

import logging
import os
import urllib.request
from datetime import timedelta

from sladesk.core.periodic import periodic
from sladesk.tickets import files

from . import health
from .conf import conf

__all__ = ["audit", "deadman_url", "ping_deadman", "prune", "sweep_orphan_files"]

logger = logging.getLogger(__name__)

PING_TIMEOUT = 5.0


def deadman_url() -> str:
    """``SLADESK_NOTIFY["deadman_url"]`` / ``SLADESK_NOTIFY_DEADMAN_URL``, else
    ``SLADESK_DEADMAN_URL``; "" when none is configured."""
    return conf().deadman_url or os.environ.get("SLADESK_DEADMAN_URL", "")


def ping_deadman(url: str) -> bool:
    """One GET of the dead-man's-switch URL; True on a 2xx answer. Never raises."""
    try:
        with urllib.request.urlopen(url, timeout=PING_TIMEOUT) as response:
            ok = bool(200 <= response.status < 300)
            if not ok:
                logger.warning("dead-man's-switch ping failed: HTTP %s", response.status)
            return ok
    except Exception as exc:  # the URL is a secret: log the error class only
        logger.warning("dead-man's-switch ping failed: %s", type(exc).__name__)
        return False


@periodic("notify.audit", every=timedelta(seconds=conf().audit_every))
def audit() -> health.Snapshot:
    """Look at the oldest overdue timer and the oldest queued outbox row; ping when ok."""
    snap = health.snapshot()
    if snap.status != "ok":
        logger.warning(
            "notify degraded: oldest overdue timer %.1f s (%s overdue), "
            "oldest queued outbox row %.1f s",
            snap.timer_overdue_seconds,
            snap.timers_overdue,
            snap.outbox_oldest_seconds,
        )
        return snap
    url = deadman_url()
    if url:
        ping_deadman(url)
    return snap


@periodic("notify.prune", every=timedelta(seconds=conf().prune_every))
def prune() -> tuple[int, int]:
    return health.prune()


@periodic("tickets.orphan_files", every=timedelta(minutes=15))
def sweep_orphan_files() -> files.SweepResult:
    """Delete attachment files whose transaction died before its commit
    (`sladesk.tickets.files`)."""
    return files.sweep_orphan_files()
