"""``{% when %}`` writes instants exactly as Django's localized ``date_format`` would."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import formats, translation
from django.utils.html import format_html

from sladesk.web import timefmt
from sladesk.web.templatetags.sladesk_time import when

T = datetime.fromisoformat


def _reference(at: datetime, zone: str, now: datetime, relative: bool) -> str:
    """The tag as first written: Django's DateFormat and format_html."""
    local = timefmt.local(at, zone)
    text = f"{formats.date_format(local, 'D j M Y, H:i')} {local.tzname()}"
    iso, title = at.isoformat(), timefmt.zone(zone).key
    if not relative:
        return format_html('<time datetime="{}" title="{}">{}</time>', iso, title, text)
    return format_html(
        '<time datetime="{}" title="{}">{}</time> <span class="rel" data-rel="{}">{}</span>',
        iso,
        title,
        text,
        iso,
        timefmt.relative(at, now),
    )


@pytest.mark.parametrize("language", ["en", "de", "fr"])
@pytest.mark.parametrize(
    "zone", ["America/Los_Angeles", "Asia/Kolkata", "Europe/Berlin", "", "Nowhere/Else"]
)
def test_when_matches_djangos_date_format(frozen_now, language, zone):
    # instants around both 2026 DST changes, midnight and every weekday and month
    instants = [
        T("2026-03-08T09:59:00+00:00"),
        T("2026-11-01T08:30:00+00:00"),
        T("2026-12-31T23:59:59+00:00"),
    ]
    instants += [
        T("2026-01-01T00:00:00+00:00") + timedelta(days=37 * i, minutes=7 * i) for i in range(12)
    ]
    with translation.override(language):
        for at in instants:
            for relative in (True, False):
                assert str(when(at, zone, relative)) == str(
                    _reference(at, zone, frozen_now(), relative)
                )
