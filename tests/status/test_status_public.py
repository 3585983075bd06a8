"""The public page and its Statuspage-shaped JSON: shapes, caching, conditional GET."""

from __future__ import annotations

import pytest

from sladesk.status import cache
from sladesk.status.services import open_incident, post_update, schedule_maintenance
from support.clock import T

pytestmark = pytest.mark.django_db

KINDS = [
    "summary",
    "status",
    "components",
    "incidents",
    "incidents/unresolved",
    "scheduled-maintenances",
    "scheduled-maintenances/upcoming",
    "scheduled-maintenances/active",
]


def test_summary_json_has_statuspages_shape(client, status):
    # given an open incident on the API and a maintenance announced for tomorrow
    status.clock.set(T("2026-06-01T10:00:00+00:00"))
    open_incident(
        status.page,
        name="API errors",
        body="Investigating",
        impact="major",
        components={status.api.pk: "partial_outage"},
    )
    schedule_maintenance(
        status.page,
        name="DB upgrade",
        components=[status.dashboard.pk],
        scheduled_for=T("2026-06-02T02:00:00+00:00"),
        scheduled_until=T("2026-06-02T03:00:00+00:00"),
    )
    cache.forget()
    # when a widget reads summary.json
    data = client.get("/status/api/v2/summary.json").json()
    # then it has Statuspage's keys and values
    assert set(data) == {"page", "components", "incidents", "scheduled_maintenances", "status"}
    assert set(data["page"]) == {"id", "name", "url", "time_zone", "updated_at"}
    assert data["status"] == {"indicator": "major", "description": "Partial System Outage"}
    group, api, dashboard = data["components"]
    assert group["group"] is True and group["components"] == [api["id"], dashboard["id"]]
    assert group["status"] == "partial_outage"
    assert api["status"] == "partial_outage" and api["group_id"] == group["id"]
    assert {
        "id",
        "name",
        "status",
        "created_at",
        "updated_at",
        "position",
        "description",
        "showcase",
        "start_date",
        "group_id",
        "page_id",
        "group",
        "only_show_if_degraded",
    } <= set(api)
    [incident] = data["incidents"]
    assert incident["impact"] == "major" and incident["status"] == "investigating"
    [update] = incident["incident_updates"]
    assert update["affected_components"] == [
        {
            "code": api["id"],
            "name": "API",
            "old_status": "operational",
            "new_status": "partial_outage",
        }
    ]
    [maintenance] = data["scheduled_maintenances"]
    assert maintenance["status"] == "scheduled" and maintenance["impact"] == "maintenance"
    assert maintenance["scheduled_for"] == "2026-06-02T02:00:00Z"


@pytest.mark.parametrize("kind", KINDS)
def test_every_endpoint_answers_json_by_default_and_by_slug(client, status, kind):
    for prefix in ("/status", "/status/houseware"):
        response = client.get(f"{prefix}/api/v2/{kind}.json")
        assert response.status_code == 200, prefix
        assert response["Content-Type"] == "application/json"
        assert "page" in response.json()


def test_unknown_pages_and_endpoints_are_404(client, status):
    assert client.get("/status/nope/").status_code == 404
    assert client.get("/status/nope/api/v2/summary.json").status_code == 404
    assert client.get("/status/api/v2/everything.json").status_code == 404


def test_the_page_is_cacheable_and_answers_conditional_gets(
    client, status, django_capture_on_commit_callbacks
):
    # given the page fetched once
    first = client.get("/status/")
    assert first.status_code == 200 and first["Cache-Control"] == "public, max-age=2"
    etag = first["ETag"]
    # when fetched again with its ETag: 304, no body
    again = client.get("/status/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    # when something changes (committed here, so this process forgets its entries)
    with django_capture_on_commit_callbacks(execute=True):
        open_incident(
            status.page, name="Down", body="x", components={status.api.pk: "major_outage"}
        )
    changed = client.get("/status/", HTTP_IF_NONE_MATCH=etag)
    # then the old ETag no longer matches and the page shows the change
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert b"Major outage" in changed.content and b"Down" in changed.content


def test_another_process_sees_a_change_within_the_revalidation_second(client, status, monkeypatch):
    # given the cached page in a process that did not make the change
    import time as real_time

    client.get("/status/api/v2/status.json")
    clock = {"t": real_time.monotonic()}
    monkeypatch.setattr(cache.time, "monotonic", lambda: clock["t"])
    monkeypatch.setattr(cache, "forget", lambda: None)  # the change comes "from elsewhere"
    from sladesk.status.services import _common

    monkeypatch.setattr(_common.transaction, "on_commit", lambda fn: None)
    open_incident(status.page, name="Down", body="x", components={status.api.pk: "major_outage"})
    # when read within the second: the cached answer; after it: the change
    stale = client.get("/status/api/v2/status.json").json()
    clock["t"] += cache.REVALIDATE + 0.01
    fresh = client.get("/status/api/v2/status.json").json()
    assert stale["status"]["indicator"] == "none"
    assert fresh["status"]["indicator"] == "critical"


def test_the_html_page_needs_no_javascript_and_shows_the_promise(client, status):
    status.clock.set(T("2026-06-01T10:00:00+00:00"))
    incident = open_incident(
        status.page,
        name="Slow dashboards",
        body="We see slowness",
        components={status.dashboard.pk: "degraded_performance"},
    )
    post_update(incident, status="monitoring", body="A fix is out")
    html = client.get("/status/houseware/").content.decode()
    assert "<script" not in html
    assert "99.5% uptime per month" in html
    assert "Slow dashboards" in html and "A fix is out" in html
    assert 'action="/status/houseware/subscribe/"' in html


def test_the_atom_feed_lists_incidents(client, status):
    open_incident(status.page, name="Queue backlog", body="Investigating", components={})
    response = client.get("/status/houseware/history.atom")
    assert response["Content-Type"].startswith("application/atom+xml")
    assert b"<feed" in response.content and b"Queue backlog" in response.content


def test_json_list_views_use_a_fixed_number_of_queries(
    client, status, django_assert_max_num_queries
):
    for n in range(5):
        open_incident(
            status.page, name=f"i{n}", body="b", components={status.api.pk: "partial_outage"}
        )
    cache.forget()
    with django_assert_max_num_queries(16):
        client.get("/status/api/v2/summary.json")
    with django_assert_max_num_queries(1):  # a cache hit inside the revalidation second
        client.get("/status/api/v2/summary.json")
