"""The status page's admin API: who may call it, backfilled history, updates, maintenance."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sladesk.status.models import StatusPage, StatusSpan
from sladesk.status.services import create_component

pytestmark = pytest.mark.django_db


@pytest.fixture
def page(world):
    page = StatusPage.objects.create(
        slug="acme", name="Acme Cloud", organization=world.acme, is_default=True
    )
    create_component(page, name="API", group="Cloud")
    create_component(page, name="Console")
    return page


@pytest.mark.parametrize(
    ("who", "code"),
    [("anonymous", 401), ("nobody", 403), ("contact", 403), ("agent", 200), ("admin", 200)],
)
@pytest.mark.parametrize("path", ["components", "incidents", "maintenances"])
def test_only_agents_and_admins_use_the_admin_api(world, client_for, page, who, code, path):
    response = client_for(world.users[who]).get(f"/api/v1/status/{path}/")
    assert response.status_code == code
    if code != 200:
        assert response.json()["error"]["code"] in ("not_authenticated", "permission_denied")


def test_a_backfilled_incident_sets_started_and_resolved_at(world, client_for, page):
    api = client_for(world.agent)
    [component] = [
        c for c in api.get("/api/v1/status/components/?page=acme").json() if c["name"] == "API"
    ]
    # when an agent records last week's outage
    response = api.post(
        "/api/v1/status/incidents/",
        {
            "page": "acme",
            "name": "Database failover",
            "body": "Writes failed for 40 minutes.",
            "impact": "major",
            "components": {component["id"]: "major_outage"},
            "started_at": "2026-11-18T09:00:00Z",
            "resolved_at": "2026-11-18T09:40:00Z",
        },
        format="json",
    )
    # then it is resolved with those times and the history holds the interval
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["started_at"], body["resolved_at"]) == (
        "resolved",
        "2026-11-18T09:00:00Z",
        "2026-11-18T09:40:00Z",
    )
    span = StatusSpan.objects.get()
    assert span.ended_at - span.started_at == timedelta(minutes=40)
    # when the start is corrected with PATCH; then the interval moves
    patched = api.patch(
        f"/api/v1/status/incidents/{body['id']}/",
        {"started_at": "2026-11-18T09:10:00Z"},
        format="json",
    )
    assert patched.status_code == 200 and patched.json()["started_at"] == "2026-11-18T09:10:00Z"
    span.refresh_from_db()
    assert span.ended_at - span.started_at == timedelta(minutes=30)


def test_updates_move_the_public_page(world, client_for, client, page):
    api = client_for(world.agent)
    [component] = [
        c for c in api.get("/api/v1/status/components/").json() if c["name"] == "Console"
    ]
    created = api.post(
        "/api/v1/status/incidents/",
        {
            "page": "acme",
            "name": "Console slow",
            "body": "Looking",
            "components": {component["id"]: "degraded_performance"},
        },
        format="json",
    ).json()
    assert created["components"][0]["status"] == "degraded_performance"
    update = api.post(
        f"/api/v1/status/incidents/{created['id']}/updates/",
        {"status": "resolved", "body": "Fast again"},
        format="json",
    )
    assert update.status_code == 201 and update.json()["status"] == "resolved"
    assert [u["status"] for u in update.json()["incident_updates"]] == ["resolved", "investigating"]
    postmortem = api.post(
        f"/api/v1/status/incidents/{created['id']}/postmortem/",
        {"body": "A slow query."},
        format="json",
    )
    assert postmortem.json()["status"] == "postmortem"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"page": "nope", "name": "x", "body": "y"}, "page"),
        ({"page": "acme", "name": "x", "body": "y", "impact": "huge"}, "impact"),
        ({"page": "acme", "name": "x", "body": "y", "components": {"zzz": "major_outage"}}, None),
        ({"page": "acme", "name": "x", "body": "y", "started_at": "2099-01-01T00:00:00Z"}, None),
        (
            {"page": "acme", "name": "x", "body": "y", "components": {"a": "under_maintenance"}},
            "components",
        ),
    ],
)
def test_bad_incident_input_is_a_400_naming_the_problem(world, client_for, page, payload, field):
    response = client_for(world.agent).post("/api/v1/status/incidents/", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    if field:
        assert field in error["fields"]
    else:
        assert error["code"] == "refused" and error["message"]


def test_components_and_maintenance_through_the_api(world, client_for, page):
    api = client_for(world.admin)
    made = api.post(
        "/api/v1/status/components/",
        {"page": "acme", "name": "Webhooks", "group": "Cloud"},
        format="json",
    )
    assert made.status_code == 201 and made.json()["group_id"]
    cid = made.json()["id"]
    patched = api.patch(
        f"/api/v1/status/components/{cid}/", {"status": "partial_outage"}, format="json"
    )
    assert patched.json()["status"] == "partial_outage"
    bad = api.patch(
        f"/api/v1/status/components/{cid}/", {"status": "under_maintenance"}, format="json"
    )
    assert bad.status_code == 400
    m = api.post(
        "/api/v1/status/maintenances/",
        {
            "page": "acme",
            "name": "Weekly patching",
            "components": [cid],
            "frequency": "weekly",
            "weekdays": [6],
            "at_time": "02:00",
            "duration_minutes": 120,
            "time_zone": "Europe/Berlin",
        },
        format="json",
    )
    assert m.status_code == 201, m.json()
    assert m.json()["recurring"] is True and m.json()["status"] == "scheduled"
    cancelled = api.post(f"/api/v1/status/maintenances/{m.json()['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "completed"


def test_an_incident_from_a_p1_ticket_links_it(world, client_for, page):
    from sladesk.tickets import services

    ticket = services.open_ticket(
        organization=world.acme,
        requester=world.acme_other,
        subject="Fleet offline",
        description="all devices",
        priority="P1",
        actor=world.agent,
    )
    response = client_for(world.agent).post(
        "/api/v1/status/incidents/",
        {
            "page": "acme",
            "name": "Device cloud outage",
            "body": "Investigating",
            "ticket": ticket.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert ticket.status_incident.incident.public_id == response.json()["id"]
    low = services.open_ticket(
        organization=world.acme,
        requester=world.acme_other,
        subject="q",
        description="d",
        priority="P4",
        actor=world.agent,
    )
    refused = client_for(world.agent).post(
        "/api/v1/status/incidents/",
        {"page": "acme", "name": "x", "body": "y", "ticket": low.pk},
        format="json",
    )
    assert refused.status_code == 400 and "most urgent" in refused.json()["error"]["message"]


def test_the_monthly_uptime_against_the_promise(world, client_for, frozen_now):
    # given Globex's page under Houseware's 99.5 % with a 6-hour outage in October
    page = StatusPage.objects.create(slug="globex", name="Globex", organization=world.globex)
    create_component(page, name="App")
    api = client_for(world.agent)
    [app] = api.get("/api/v1/status/components/?page=globex").json()
    api.post(
        "/api/v1/status/incidents/",
        {
            "page": "globex",
            "name": "Outage",
            "body": "x",
            "components": {app["id"]: "major_outage"},
            "started_at": "2026-10-10T00:00:00Z",
            "resolved_at": "2026-10-10T06:00:00Z",
        },
        format="json",
    )
    # when October is asked for
    [row] = api.get("/api/v1/status/uptime/?page=globex&month=2026-10").json()
    # then 6 h of 744 counted hours is under the promise (no credit bands in the seed)
    assert row["target_percent"] == 99.5 and row["met"] is False
    assert row["uptime_percent"] == pytest.approx(100 * (1 - 6 / 744))
    assert api.get("/api/v1/status/uptime/?page=globex&month=2026-13").status_code == 400


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("components", {"page": "hw\x00", "name": "x"}, "page"),
        (
            "incidents",
            {
                "page": "acme",
                "name": "x",
                "body": "y",
                "components": {"a\x00": "major_outage"},
            },
            "components",
        ),
    ],
)
def test_a_nul_byte_is_a_400_not_a_database_error(world, client_for, page, path, payload, field):
    # PostgreSQL refuses NUL in a text query: the API must say so, not answer 500
    response = client_for(world.admin).post(f"/api/v1/status/{path}/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
