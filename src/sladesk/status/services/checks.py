"""Built-in checks: probe, count, and move the component only past a threshold.

`run_checks` is the ``status.checks`` periodic job (every 5 s). It claims each due check
with a conditional update of ``last_checked_at`` (two workers never probe the same check
in the same slot), probes the claimed ones in a thread pool outside any transaction
(no database access in the probes), then records each result in its own transaction
(`record_result`): the row is locked, the streak counters move, and the component's
``check`` span follows the verdict only when ``failures_to_down`` failures (or
``successes_to_up`` successes) in a row are reached. A single failed probe therefore
never changes the page. The span of a confirmed outage starts at the first failure of
the streak (``down_since``), so uptime counts the whole outage; it ends when recovery is
confirmed.

A heartbeat check is "probed" by looking at ``last_beat_at``: more than
``every_seconds`` without a beat is one failure. `beat` (the heartbeat URL) records a
success at once.
"""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.db import transaction

from sladesk.core import time as core_time

from ..models import Check, CheckKind, SpanSource
from ._common import hold

__all__ = ["Probe", "beat", "probe", "record_result", "run_checks"]


@dataclass(frozen=True)
class Probe:
    """What one probe found: ``ok`` and, when not, why (``detail``)."""

    ok: bool
    detail: str = ""


def _http(check: Check) -> Probe:
    try:
        with httpx.Client(timeout=check.timeout_seconds, follow_redirects=False) as client:
            response = client.get(check.target, headers={"User-Agent": "sladesk-status-check"})
    except httpx.HTTPError as exc:
        return Probe(False, f"{type(exc).__name__}")
    if response.status_code != check.expect_status:
        return Probe(False, f"HTTP {response.status_code}, expected {check.expect_status}")
    if check.body_contains and check.body_contains not in response.text:
        return Probe(False, "the body does not contain the expected text")
    return Probe(True)


def _tcp(check: Check) -> Probe:
    host, _, port = check.target.rpartition(":")
    if not host or not port.isdigit():
        return Probe(False, "the target must be host:port")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=check.timeout_seconds):
            return Probe(True)
    except OSError as exc:
        return Probe(False, type(exc).__name__)


def probe(check: Check, now: datetime) -> Probe:
    """One probe of ``check`` (no database access: safe in any thread)."""
    if check.kind == CheckKind.HTTP:
        return _http(check)
    if check.kind == CheckKind.TCP:
        return _tcp(check)
    late = now - (check.last_beat_at or check.created_at)
    if late > timedelta(seconds=check.every_seconds):
        return Probe(False, f"no heartbeat for {int(late.total_seconds())} s")
    return Probe(True)


@transaction.atomic
def record_result(check_id: int, result: Probe, at: datetime) -> Check:
    """Count ``result`` in the check's streak; move the component at a threshold."""
    check = Check.objects.select_for_update().select_related("component").get(pk=check_id)
    if result.ok:
        check.failures, check.successes = 0, check.successes + 1
        check.last_error = ""
        if check.is_down and check.successes >= check.successes_to_up:
            check.is_down, check.down_since = False, None
            hold(check.component, SpanSource.CHECK, str(check.pk), None, at)
        elif not check.is_down:
            check.down_since = None
    else:
        check.successes, check.failures = 0, check.failures + 1
        check.last_error = result.detail[:500]
        if check.failures == 1 or check.down_since is None:
            check.down_since = at
        if not check.is_down and check.failures >= check.failures_to_down:
            check.is_down = True
            hold(
                check.component,
                SpanSource.CHECK,
                str(check.pk),
                check.down_status,
                check.down_since,
            )
    check.save(update_fields=["failures", "successes", "is_down", "down_since", "last_error"])
    return check


def beat(token: str) -> Check | None:
    """The service called its heartbeat URL: a success, now (None: unknown token)."""
    now = core_time.now()
    check = Check.objects.filter(token=token, kind=CheckKind.HEARTBEAT, enabled=True).first()
    if check is None:
        return None
    Check.objects.filter(pk=check.pk).update(last_beat_at=now)
    return record_result(check.pk, Probe(True), now)


def _claim(now: datetime) -> list[Check]:
    claimed = []
    for check in Check.objects.filter(enabled=True).select_related("component"):
        if check.last_checked_at is not None and (
            check.last_checked_at + timedelta(seconds=check.every_seconds) > now
        ):
            continue
        won = Check.objects.filter(pk=check.pk, last_checked_at=check.last_checked_at).update(
            last_checked_at=now
        )
        if won:
            claimed.append(check)
    return claimed


def run_checks(now: datetime | None = None, *, threads: int = 8) -> int:
    """The periodic job: probe every due check and record the results; returns how many."""
    now = now or core_time.now()
    claimed = _claim(now)
    if not claimed:
        return 0
    with ThreadPoolExecutor(max_workers=min(threads, len(claimed))) as pool:
        results = list(pool.map(lambda c: probe(c, now), claimed))
    for check, result in zip(claimed, results, strict=True):
        record_result(check.pk, result, now)
    return len(claimed)
