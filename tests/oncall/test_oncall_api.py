"""The on-call API, exactly as issue 15 writes it: schedules, who is on call, overrides,
escalation policies, page acknowledge/resolve; who may do what."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db):
    from django.contrib.auth.models import User

    from sladesk.accounts.models import AgentProfile, Contact, Organization, Team

    team = Team.objects.create(name="Support", slug="support")
    for name in ("alice", "bob", "carol"):
        AgentProfile.objects.create(user=User.objects.create_user(name, f"{name}@desk.example", "pw"))
    admin = User.objects.create_superuser("root", "root@desk.example", "pw")
    org = Organization.objects.create(name="Acme", slug="acme", policy_name="esper")
    contact_user = User.objects.create_user("cust", "cust@acme.example", "pw")
    Contact.objects.create(organization=org, email="cust@acme.example", user=contact_user)
    return {"team": team, "admin": admin, "agent": User.objects.get(username="alice"), "contact": contact_user}


def _as(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


BODY = {
    "name": "Primary",
    "timezone": "Europe/Berlin",
    "rotations": [{"participants": ["alice", "bob", "carol"], "length": "1w", "handoff": "2026-03-23T09:00"}],
}


def _create(people):
    response = _as(people["admin"]).post("/api/v1/schedules/", {**BODY, "team": people["team"].pk}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_create_a_schedule_and_ask_who_is_on_call_across_dst(people):
    # given the example schedule (weekly from Monday 2026-03-23 09:00 Berlin)
    created = _create(people)
    assert created["rotations"][0]["participants"] == ["alice", "bob", "carol"]
    agent = _as(people["agent"])
    url = f"/api/v1/schedules/{created['id']}/oncall/"
    # then before the first hand-off nobody, then alice, then bob at 09:00 summer time
    assert agent.get(url, {"at": "2026-03-23T08:59:00+01:00"}).json()["users"] == []
    assert agent.get(url, {"at": "2026-03-23T09:00:00+01:00"}).json()["users"] == ["alice"]
    assert agent.get(url, {"at": "2026-03-30T08:59:00+02:00"}).json()["users"] == ["alice"]
    assert agent.get(url, {"at": "2026-03-30T07:00:00Z"}).json()["users"] == ["bob"]
    shifts = agent.get(url, {"at": "2026-03-23T09:00:00+01:00", "days": "14"}).json()["shifts"]
    # 14 x 24 hours from 09:00 CET end at 10:00 CEST: carol's first hour is in the window
    assert [(s["users"], s["end"]) for s in shifts] == [
        (["alice"], "2026-03-30T07:00:00Z"), (["bob"], "2026-04-06T07:00:00Z"), (["carol"], "2026-04-06T08:00:00Z")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"rotations": [{"participants": ["alice", "nobody"], "length": "1w", "handoff": "2026-03-23T09:00"}]}, "nobody"),
        ({"rotations": [{"participants": ["alice"], "length": "1y", "handoff": "2026-03-23T09:00"}]}, "length"),
        ({"rotations": [{"participants": ["alice"], "length": "1w", "handoff": "2026-03-23T09:00+01:00"}]}, "offset"),
        ({"rotations": [{"participants": ["alice"], "length": "1w", "handoff": "next monday"}]}, "handoff"),
        ({"team": 999999}, "team"),
    ],
)
def test_bad_schedules_are_refused_with_a_message_naming_the_problem(people, change, message):
    response = _as(people["admin"]).post("/api/v1/schedules/", {**BODY, "team": people["team"].pk, **change},
                                         format="json")
    assert response.status_code == 400 and message in str(response.json())


def test_bad_instants_are_400(people):
    created = _create(people)
    agent = _as(people["agent"])
    assert agent.get(f"/api/v1/schedules/{created['id']}/oncall/", {"at": "tomorrow"}).status_code == 400
    assert agent.get(f"/api/v1/schedules/{created['id']}/oncall/", {"at": "2026-03-23T09:00"}).status_code == 400
    assert agent.get("/api/v1/schedules/999999/oncall/").status_code == 404


def test_who_may_do_what(people):
    created = _create(people)
    body = {**BODY, "name": "Other", "team": people["team"].pk}
    # agents read, but may not create schedules or escalation policies
    assert _as(people["agent"]).get("/api/v1/schedules/").status_code == 200
    assert _as(people["agent"]).post("/api/v1/schedules/", body, format="json").status_code == 403
    assert _as(people["agent"]).post("/api/v1/escalation-policies/", {"name": "x", "steps": []},
                                     format="json").status_code == 403
    # contacts and anonymous callers see nothing
    for outsider in (people["contact"], None):
        assert _as(outsider).get("/api/v1/schedules/").status_code in (401, 403)
        assert _as(outsider).get(f"/api/v1/schedules/{created['id']}/oncall/").status_code in (401, 403)
        assert _as(outsider).post(f"/api/v1/schedules/{created['id']}/overrides/", {}, format="json").status_code in (401, 403)


def test_an_agent_covers_with_an_override_and_a_swap(people):
    created = _create(people)
    agent = _as(people["agent"])
    url = f"/api/v1/schedules/{created['id']}/overrides/"
    # when carol covers a night and dave... bob swaps in for alice for a day
    made = agent.post(url, {"user": "carol", "start": "2026-03-24T00:00:00+01:00", "end": "2026-03-24T06:00:00+01:00"},
                      format="json")
    assert made.status_code == 201
    swap = agent.post(url, {"user": "bob", "replaces": "alice", "start": "2026-03-25T00:00:00+01:00",
                            "end": "2026-03-26T00:00:00+01:00"}, format="json")
    assert swap.status_code == 201
    oncall = f"/api/v1/schedules/{created['id']}/oncall/"
    assert agent.get(oncall, {"at": "2026-03-24T01:00:00+01:00"}).json()["users"] == ["carol"]
    assert agent.get(oncall, {"at": "2026-03-24T06:00:00+01:00"}).json()["users"] == ["alice"]
    assert agent.get(oncall, {"at": "2026-03-25T12:00:00+01:00"}).json()["users"] == ["bob"]
    # bad windows are refused
    bad = agent.post(url, {"user": "carol", "start": "2026-03-24T06:00:00+01:00", "end": "2026-03-24T00:00:00+01:00"},
                     format="json")
    assert bad.status_code == 400 and "after" in str(bad.json())


def test_escalation_policies_are_created_by_admins_and_validated(people):
    created = _create(people)
    admin = _as(people["admin"])
    body = {"name": "particle-p1", "repeat": 2, "timezone": "Europe/Berlin", "steps": [
        {"kind": "schedule", "schedule": created["id"], "wait_minutes": 5},
        {"kind": "user", "user": "bob", "wait_minutes": 5,
         "windows": [{"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}], "outside": True},
        {"kind": "channel", "team": people["team"].pk, "channel": "slack", "wait_minutes": 0},
    ]}
    response = admin.post("/api/v1/escalation-policies/", body, format="json")
    assert response.status_code == 201, response.json()
    assert [s["kind"] for s in response.json()["steps"]] == ["schedule", "user", "channel"]
    assert _as(people["agent"]).get("/api/v1/escalation-policies/").json()[0]["name"] == "particle-p1"
    bad = admin.post("/api/v1/escalation-policies/", {"name": "p2", "steps": [{"kind": "pigeon"}]}, format="json")
    assert bad.status_code == 400 and "kind" in str(bad.json())
    taken = admin.post("/api/v1/escalation-policies/", body, format="json")
    assert taken.status_code == 400
