"""Template tags for times and SLA countdowns.

- ``{% when at zone %}``: ``<time>`` with the instant in ``zone`` ("Wed 25 Nov 2026, 16:30
  PST"), the zone named, and the relative time beside it ("in 35 min"); the page's script
  keeps the relative part current (``data-rel``).
- ``{% countdown badge %}``: the coloured countdown of a `ClockBadge` (green / amber at the
  policy's warning point / red breached / grey paused). ``data-due`` and ``data-warn`` let
  the script tick every second and turn it amber/red at the exact instants.
- ``{{ delta|span }}``: a duration in words (``2 h 10 min``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils.dates import MONTHS_3, WEEKDAYS_ABBR
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from sladesk.core import time as core_time
from sladesk.sla.durations import format_timedelta

from .. import timefmt

register = template.Library()

__all__ = ["countdown", "span", "when", "worktime"]


def _absolute(at: datetime, zone_name: str | None) -> str:
    """``Wed 25 Nov 2026, 16:30 PST``: exactly ``date_format(local, "D j M Y, H:i")`` plus the
    zone's abbreviation, with the day and month names translated, but without building a
    `DateFormat` per call (a long ticket page shows a few hundred instants)."""
    local = timefmt.local(at, zone_name)
    return (
        f"{WEEKDAYS_ABBR[local.weekday()]} {local.day} "
        f"{MONTHS_3[local.month].title()} {local.year}, "
        f"{local.hour:02d}:{local.minute:02d} {local.tzname()}"
    )


@register.simple_tag
def when(at: datetime | None, zone_name: str | None = None, relative: bool = True) -> str:
    """The instant in ``zone_name`` with the zone named, plus the relative time."""
    if at is None:
        return mark_safe('<span class="muted">—</span>')
    text = escape(_absolute(at, zone_name))
    iso = at.isoformat()  # digits and -+:T only
    title = escape(timefmt.zone(zone_name).key)
    if not relative:
        return mark_safe(f'<time datetime="{iso}" title="{title}">{text}</time>')
    rel = escape(timefmt.relative(at, core_time.now()))
    return mark_safe(
        f'<time datetime="{iso}" title="{title}">{text}</time> '
        f'<span class="rel" data-rel="{iso}">{rel}</span>'
    )


@register.simple_tag
def countdown(badge: Any) -> str:
    """The coloured countdown of a `ClockBadge` (or a dash when no clock is open)."""
    if badge is None:
        return mark_safe('<span class="clock clock-none">no open clock</span>')
    due = badge.due_at.isoformat() if badge.due_at else ""
    warn = badge.warn_at.isoformat() if badge.warn_at else ""
    return format_html(
        '<span class="clock clock-{}" data-due="{}" data-warn="{}" data-label="{}">'
        '<span class="clock-metric">{}</span> <span class="clock-text">{}</span></span>',
        badge.colour,
        due,
        warn,
        badge.label,
        badge.label,
        badge.text,
    )


@register.filter
def span(delta: timedelta | None) -> str:
    """Wall-clock length in words (``35 min``)."""
    return "" if delta is None else timefmt.span(delta)


@register.filter
def worktime(delta: timedelta | None) -> str:
    """Working time as the SLA engine words it (``3 h 30 min``; negative when overdue)."""
    if delta is None:
        return "—"
    seconds = int(delta.total_seconds())
    rounded = abs(seconds) // 60 * 60  # whole minutes: the seconds are noise on a page
    return format_timedelta(timedelta(seconds=rounded if seconds >= 0 else -rounded))
