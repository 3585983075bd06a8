"""`make run`'s demo has a status page per seed company with a little history."""

from __future__ import annotations

import pytest

from sladesk.status import cache
from sladesk.status.models import Incident, Maintenance, StatusPage, StatusSpan

pytestmark = pytest.mark.django_db


def test_the_demo_loads_a_status_page_per_seed_company(client, frozen_now):
    from sladesk.demo.data import load

    cache.forget()
    assert load(now=frozen_now.at)
    assert sorted(StatusPage.objects.values_list("slug", flat=True)) == [
        "esper",
        "freistilbox",
        "houseware",
        "particle",
    ]
    assert Incident.objects.filter(resolved_at__isnull=False).count() == 12
    assert StatusSpan.objects.count() >= 12 and Maintenance.objects.count() == 4
    # the default page is Particle's, with the incident being monitored
    summary = client.get("/status/api/v2/summary.json").json()
    assert summary["page"]["name"] == "Particle"
    assert [i["status"] for i in summary["incidents"]] == ["monitoring"]
    assert "99.5% uptime per month" in client.get("/status/houseware/").content.decode()
