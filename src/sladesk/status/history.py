"""Uptime figures from the stored spans: 90 days per component, calendar months, credits.

The framework-free arithmetic is `sladesk.status.uptime`; this module reads the spans
(one query per call, whatever the number of components) and the page's promise: the
``uptime:`` terms of the policy the page is measured against (``page.policy_name``, else
its organization's policy). `month_report` is what reports (customer statements) read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q

from sladesk.core import time as core_time
from sladesk.core.policies import get_policy
from sladesk.sla import PolicyError
from sladesk.sla.policy import UptimeTerms

from . import uptime as arithmetic
from .models import Component, StatusPage, StatusSpan

__all__ = ["ComponentMonth", "daily_bars", "month_report", "spans_of", "terms_of"]


def terms_of(page: StatusPage) -> UptimeTerms | None:
    """The page's availability promise (None: no policy, or a policy without one)."""
    name = page.policy_name or (page.organization.policy_name if page.organization_id else "")
    if not name:
        return None
    try:
        policy = get_policy(name).policy
    except PolicyError:
        return None
    return getattr(policy, "uptime", None)


def spans_of(
    component_ids: list[int], start: datetime, end: datetime
) -> dict[int, list[arithmetic.StatusSpan]]:
    """Each component's spans overlapping ``[start, end)`` (one query)."""
    out: dict[int, list[arithmetic.StatusSpan]] = defaultdict(list)
    rows = StatusSpan.objects.filter(component_id__in=component_ids, started_at__lt=end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start)
    )
    for cid, status, s, e in rows.values_list("component_id", "status", "started_at", "ended_at"):
        out[cid].append(arithmetic.StatusSpan(s, e, status))
    return out


def daily_bars(
    page: StatusPage, components: list[Component], days: int = 90
) -> dict[int, list[tuple[date, arithmetic.Uptime]]]:
    """The last ``days`` local days of each component (today cut at now); days before a
    component's ``start_date`` are left out of its list."""
    now = core_time.now()
    tz = ZoneInfo(page.time_zone)
    today = now.astimezone(tz).date()
    weights = arithmetic.Weights.of_policy(terms_of(page))
    start = datetime.combine(today - timedelta(days=days), datetime.min.time(), tzinfo=tz)
    spans = spans_of([c.pk for c in components], start, now)
    out = {}
    for c in components:
        bars = arithmetic.daily(
            spans.get(c.pk, []), today, tz, days=days, weights=weights, until=now
        )
        out[c.pk] = [(d, u) for d, u in bars if c.start_date is None or d >= c.start_date]
    return out


@dataclass(frozen=True)
class ComponentMonth:
    """One component's calendar month against the promise."""

    component: Component
    uptime: arithmetic.Uptime
    target: float | None
    met: bool | None
    credit_pct: float


def month_report(page: StatusPage, year: int, month: int) -> list[ComponentMonth]:
    """Each component's uptime for a calendar month in the page's time zone (a running
    month is measured until now), with the target and the service credit earned."""
    now = core_time.now()
    tz = ZoneInfo(page.time_zone)
    terms = terms_of(page)
    weights = arithmetic.Weights.of_policy(terms)
    components = list(Component.objects.filter(page=page).order_by("position", "id"))
    start, end = arithmetic.local_month_bounds(year, month, tz)
    spans = spans_of([c.pk for c in components], start, min(end, now))
    out = []
    for c in components:
        figure = arithmetic.monthly(
            spans.get(c.pk, []), year, month, tz, weights=weights, until=now
        )
        target = terms.target if terms else None
        percent = figure.percent
        met = None if target is None or percent is None else percent >= target
        credit = arithmetic.service_credit(percent, terms.credits) if terms else 0.0
        out.append(ComponentMonth(c, figure, target, met, credit))
    return out
