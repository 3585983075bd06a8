"""iCal: subscribable feeds (≥ 90 days ahead, secret-token URLs) and import as overrides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
def rota(db, monkeypatch):
    from django.contrib.auth.models import User

    from sladesk.accounts.models import AgentProfile, Team
    from sladesk.core import time as core_time
    from sladesk.oncall.services.schedules import create_schedule

    monkeypatch.setattr(core_time, "source", lambda: NOW)
    team = Team.objects.create(name="Support", slug="support")
    users = {}
    for name in ("alice", "bob"):
        users[name] = User.objects.create_user(name, f"{name}@desk.example", "pw")
        AgentProfile.objects.create(user=users[name])
    admin = User.objects.create_superuser("root", "root@desk.example", "pw")
    schedule = create_schedule(
        team=team,
        name="Primary",
        timezone="Europe/Berlin",
        rotations=[
            {"participants": ["alice", "bob"], "length": "1w", "handoff": "2026-03-23T09:00"}
        ],
    )
    return schedule, users, admin


def _events(body: bytes) -> list:
    return [c for c in icalendar.Calendar.from_ical(body).walk("VEVENT")]


def test_the_schedule_feed_covers_at_least_90_days_at_wall_clock_handoffs(rota, client):
    schedule, _, _ = rota
    # when a calendar app fetches the secret URL (no sign-in)
    response = client.get(f"/oncall/ical/schedule/{schedule.ical_token}.ics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = _events(response.content)
    # then the weekly shifts reach past 90 days, each starting at 09:00 Berlin (CET and CEST)
    assert max(e.decoded("dtend") for e in events) >= NOW + timedelta(days=90)
    starts = [e.decoded("dtstart").astimezone(ZoneInfo("Europe/Berlin")) for e in events]
    assert {(s.hour, s.minute) for s in starts} == {(9, 0)}
    assert str(events[0]["summary"]) == "On call: alice (Primary)"
    assert len({str(e["uid"]) for e in events}) == len(events)
    # a wrong token is 404
    assert client.get("/oncall/ical/schedule/guess.ics").status_code == 404


def test_a_person_subscribes_to_their_own_shifts(rota, client):
    _, users, _ = rota
    api = APIClient()
    api.force_authenticate(users["bob"])
    url = api.post("/api/v1/oncall/calendar/").json()["url"]
    body = client.get(url[url.index("/oncall/") :]).content
    events = _events(body)
    assert events and all(str(e["summary"]) == "On call: Support / Primary" for e in events)
    assert events[0].decoded("dtstart") == datetime(
        2026, 3, 30, 7, 0, tzinfo=UTC
    )  # bob's first week, CEST
    assert APIClient().post("/api/v1/oncall/calendar/").status_code in (401, 403)


ICS = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//test//EN
BEGIN:VEVENT
UID:1
SUMMARY:Holiday cover @bob
DTSTART:20260325T000000Z
DTEND:20260326T000000Z
RRULE:FREQ=WEEKLY;COUNT=2
END:VEVENT
BEGIN:VEVENT
UID:2
SUMMARY:Cover
ATTENDEE:mailto:alice@desk.example
DTSTART:20260401T000000Z
DTEND:20260401T060000Z
END:VEVENT
BEGIN:VEVENT
UID:3
SUMMARY:Dentist
DTSTART:20260402T000000Z
DTEND:20260402T060000Z
END:VEVENT
END:VCALENDAR
"""


def test_import_turns_events_naming_people_into_overrides(rota):
    schedule, _, admin = rota
    api = APIClient()
    api.force_authenticate(admin)
    # when a calendar with a weekly recurring cover, an attendee event and an unnamed one is
    # imported
    response = api.post(
        f"/api/v1/schedules/{schedule.pk}/ical/", {"ics": ICS, "days": 30}, format="json"
    )
    assert response.status_code == 201
    # then the recurrence is expanded (2 overrides for bob), alice's by e-mail, the dentist skipped
    assert len(response.json()["created"]) == 3
    assert response.json()["skipped"] == ["Dentist: names no known user"]
    oncall = api.get(
        f"/api/v1/schedules/{schedule.pk}/oncall/", {"at": "2026-04-01T12:00:00Z"}
    ).json()
    assert oncall["users"] == ["bob"]  # the second occurrence, 2026-04-01
    bad = api.post(f"/api/v1/schedules/{schedule.pk}/ical/", {"ics": "hello"}, format="json")
    assert bad.status_code == 400
