"""End-to-end through the REST API: a ticket's life under each of the five seed policies.

Every due instant is computed by hand in the comment next to its assertion (``T`` parses an
ISO instant with its offset: PST = -08:00, CET = +01:00, Z = UTC). Time is frozen with the
``frozen_now`` fixture (``sladesk.core.time.source``) and moved with ``frozen_now.set``.
"""

from __future__ import annotations

import pytest

from support.api import T, due_of, sla_of

pytestmark = pytest.mark.django_db

WED_1630_PST = "2026-11-25T16:30:00-08:00"  # the eve of Thanksgiving = Thu 26 Nov 00:30 UTC


@pytest.fixture
def desk(warm_policy_cache, frozen_now, make_org, make_contact, agent, team, client_for):
    """An agent's API client, and ``org(policy, ...)`` making an organization with a contact."""

    def org(policy: str, **kw):
        organization = make_org(policy, **kw)
        contact = make_contact(organization, login=True)
        return organization, contact

    frozen_now.set(T(WED_1630_PST))
    return client_for(agent), org


def open_ticket(api, organization, contact, **body):
    payload = {
        "subject": "It is broken",
        "description": "Details inside",
        "organization": organization.pk,
        "requester": contact.email,
        **body,
    }
    response = api.post("/api/v1/tickets/", payload, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def act(api, ticket_id: int, verb: str, body: dict | None = None, code: int = 200):
    response = api.post(f"/api/v1/tickets/{ticket_id}/{verb}/", body or {}, format="json")
    assert response.status_code == code, response.json()
    return response.json()


def patch(api, ticket_id: int, body: dict):
    response = api.patch(f"/api/v1/tickets/{ticket_id}/", body, format="json")
    assert response.status_code == 200, response.json()
    return response.json()


def get(api, ticket_id: int):
    response = api.get(f"/api/v1/tickets/{ticket_id}/")
    assert response.status_code == 200, response.json()
    return response.json()


# --------------------------------------------------------------------------- creation table
@pytest.mark.parametrize(
    ("policy", "org_kw", "body", "priority", "expected"),
    [
        # particle-enterprise na (9-17 PT, US holidays). P2: 4 business hours = 30 min Wed,
        # Thu 26 Thanksgiving closed, 3 h 30 Fri → Fri 12:30 PST; resolution 16 h = 0.5 Wed
        # + 8 Fri + 7.5 Mon → Mon 30 Nov 16:30 PST.
        (
            "particle-enterprise",
            {"region": "na"},
            {"priority": "P2"},
            "P2",
            {
                "first_response": "2026-11-27T12:30:00-08:00",
                "resolution": "2026-11-30T16:30:00-08:00",
            },
        ),
        # P1 runs in calendar time: 1 hour and 2 days (48 h) from Wed 16:30 PST.
        (
            "particle-enterprise",
            {"region": "na"},
            {"priority": "Priority 1"},
            "P1",
            {
                "first_response": "2026-11-25T17:30:00-08:00",
                "resolution": "2026-11-27T16:30:00-08:00",
            },
        ),
        # particle-accelerator emea (9-17 UTC, England holidays), created Thu 00:30Z. P1:
        # 1 business hour → Thu 10:00Z; 2 business days = 16 h: Thu 8 + Fri 8 → Fri 17:00Z.
        (
            "particle-accelerator",
            {"region": "emea"},
            {"priority": "P1"},
            "P1",
            {"first_response": "2026-11-26T10:00:00Z", "resolution": "2026-11-27T17:00:00Z"},
        ),
        # ... unsupported Device OS caps P1 at P2: 4 business hours → Thu 13:00Z; 16 h → Fri 17:00Z.
        (
            "particle-accelerator",
            {"region": "emea"},
            {"priority": "P1", "custom_fields": {"device_os_supported": False}},
            "P2",
            {"first_response": "2026-11-26T13:00:00Z", "resolution": "2026-11-27T17:00:00Z"},
        ),
        # esper premium (9-17 PT, US holidays). Sev3 asked, 600 devices ⇒ floor Sev2: first
        # response 4 business hours → Fri 12:30 PST (no next_update before the first reply).
        (
            "esper",
            {"plan": "premium"},
            {"priority": "Sev3", "custom_fields": {"devices_affected": 600}},
            "Sev2",
            {"first_response": "2026-11-27T12:30:00-08:00"},
        ),
        # esper standard Sev3: 1 business day = 8 h: 0.5 Wed + 7.5 Fri → Fri 16:30 PST.
        (
            "esper",
            {},
            {"priority": "Sev3"},
            "Sev3",
            {"first_response": "2026-11-27T16:30:00-08:00"},
        ),
        # houseware 24x7: an agent's P0 is kept: 24 hours → Fri 27 Nov 00:30Z.
        ("houseware", {}, {"priority": "P0"}, "P0", {"first_response": "2026-11-27T00:30:00Z"}),
        # freistilbox standard (office 08-20 Berlin, no holidays), created Thu 01:30 CET.
        # normal: 1 business day = 12 h → Thu 08:00-20:00 → 19:00Z; dispatch 1 business
        # hour → Thu 09:00 CET = 08:00Z.
        (
            "freistilbox",
            {},
            {"priority": "normal"},
            "normal",
            {"first_response": "2026-11-26T19:00:00Z", "dispatch": "2026-11-26T08:00:00Z"},
        ),
        # freistilbox urgent: 30 minutes around the clock → 01:00Z.
        (
            "freistilbox",
            {},
            {"priority": "urgent"},
            "urgent",
            {"first_response": "2026-11-26T01:00:00Z", "dispatch": "2026-11-26T08:00:00Z"},
        ),
    ],
)
def test_create_returns_the_sla_due_instants(desk, policy, org_kw, body, priority, expected):
    api, org = desk
    organization, contact = org(policy, **org_kw)

    ticket = open_ticket(api, organization, contact, **body)

    assert ticket["priority"] == priority
    assert ticket["status"] == "new"
    assert ticket["policy"] == policy
    assert {c["metric"] for c in ticket["sla"]} == set(expected)
    for metric, due in expected.items():
        clock = sla_of(ticket, metric)
        assert T(clock["due_at"]) == T(due), metric
        assert clock["state"] == "running"
        assert clock["remaining_seconds"] == clock["target_seconds"]
        assert clock["explanation"]


def test_houseware_ignores_the_customers_priority(desk, client_for):
    _, org = desk
    organization, contact = org("houseware")

    # when the customer asks for P0 themselves (no organization/requester needed)
    response = client_for(contact.user).post(
        "/api/v1/tickets/",
        {"subject": "Down", "description": "all down", "priority": "P0"},
        format="json",
    )

    # then the Customer Happiness team's default P2 applies: 48 hours → Sat 28 Nov 00:30Z
    assert response.status_code == 201, response.json()
    ticket = response.json()
    assert ticket["priority"] == "P2"
    assert ticket["organization"] == organization.pk and ticket["requester"] == contact.email
    assert due_of(ticket, "first_response") == T("2026-11-28T00:30:00Z")


# --------------------------------------------------------------------------- life cycles
def test_particle_enterprise_life_cycle(desk, frozen_now, client_for):
    api, org = desk
    organization, contact = org("particle-enterprise", region="na")
    ticket = open_ticket(api, organization, contact, priority="P2")
    tid = ticket["id"]

    # reply Fri 10:00 PST: first response met with 30 min Wed + 1 h Fri used
    frozen_now.set(T("2026-11-27T10:00:00-08:00"))
    message = act(api, tid, "reply", {"body": "Looking into it"}, code=201)
    assert message["public"] and not message["from_customer"]
    body = get(api, tid)
    assert body["status"] == "open"
    assert sla_of(body, "first_response")["state"] == "met"
    assert sla_of(body, "first_response")["used_seconds"] == 90 * 60

    # pending Fri 11:00: resolution paused with 2 h 30 used, 13 h 30 left
    frozen_now.set(T("2026-11-27T11:00:00-08:00"))
    body = act(api, tid, "pending", {"reason": "need logs"})
    assert body["status"] == "pending"
    res = sla_of(body, "resolution")
    assert (res["state"], res["due_at"], res["remaining_seconds"]) == ("paused", None, 13.5 * 3600)

    # the customer answers Mon 30 Nov 10:00 → resumed: 13 h 30 from Mon 10:00 = 7 h Mon
    # + 6 h 30 Tue → Tue 1 Dec 15:30 PST
    frozen_now.set(T("2026-11-30T10:00:00-08:00"))
    act(client_for(contact.user), tid, "reply", {"body": "logs attached"}, code=201)
    body = get(api, tid)
    assert body["status"] == "open"
    assert due_of(body, "resolution") == T("2026-12-01T15:30:00-08:00")

    # priority P2 → P1 Mon 11:00 (with a reason): P1 resolution is 48 calendar hours; the
    # 2 h 30 already used are kept; counted from running_since Mon 10:00 → 45 h 30 later
    # = Wed 2 Dec 07:30 PST
    frozen_now.set(T("2026-11-30T11:00:00-08:00"))
    body = patch(api, tid, {"priority": "P1", "reason": "whole fleet affected"})
    assert body["priority"] == "P1"
    assert due_of(body, "resolution") == T("2026-12-02T07:30:00-08:00")
    assert sla_of(body, "first_response")["state"] == "met"

    # solved Mon 12:00: resolution met
    frozen_now.set(T("2026-11-30T12:00:00-08:00"))
    body = act(api, tid, "solve", {"reason": "firmware rolled back"})
    assert body["status"] == "solved"
    assert sla_of(body, "resolution")["state"] == "met"
    assert T(sla_of(body, "resolution")["met_at"]) == T("2026-11-30T12:00:00-08:00")


def test_particle_accelerator_downgrade_meets_p1_resolution(desk, frozen_now):
    api, org = desk
    organization, contact = org("particle-accelerator", region="emea")
    tid = open_ticket(api, organization, contact, priority="P1")["id"]

    # reply Thu 09:30Z: first response (1 business hour → 10:00Z) met
    frozen_now.set(T("2026-11-26T09:30:00Z"))
    act(api, tid, "reply", {"body": "On it"}, code=201)
    # pending Thu 10:00Z: resolution used 1 h (09:00-10:00)
    frozen_now.set(T("2026-11-26T10:00:00Z"))
    body = act(api, tid, "pending")
    assert sla_of(body, "resolution")["remaining_seconds"] == 15 * 3600
    # resume Thu 13:00Z: 15 h left = Thu 4 h + Fri 8 h + Mon 3 h → Mon 30 Nov 12:00Z
    frozen_now.set(T("2026-11-26T13:00:00Z"))
    body = act(api, tid, "resume")
    assert body["status"] == "open"
    assert due_of(body, "resolution") == T("2026-11-30T12:00:00Z")

    # de-escalation to P2 Thu 14:00Z meets the P1 resolution ("2 Business Days to
    # de-escalate to Priority 2") and starts P2's 2 business days from now: Thu 3 h + Fri 8 h
    # + Mon 5 h → Mon 30 Nov 14:00Z, cycle 2
    frozen_now.set(T("2026-11-26T14:00:00Z"))
    body = patch(api, tid, {"priority": "P2", "reason": "workaround in place"})
    res = sla_of(body, "resolution")
    assert (body["priority"], res["state"], res["cycle"]) == ("P2", "running", 2)
    assert T(res["due_at"]) == T("2026-11-30T14:00:00Z")

    frozen_now.set(T("2026-11-26T15:00:00Z"))
    body = act(api, tid, "solve")
    assert sla_of(body, "resolution")["state"] == "met"


def test_esper_next_update_cadence(desk, frozen_now, client_for):
    api, org = desk
    organization, contact = org("esper", plan="premium")
    tid = open_ticket(api, organization, contact, priority="Sev2")["id"]

    # reply Fri 10:00 PST: first response met; next_update (Sev2 premium: 4 business hours,
    # "twice per business day") starts → Fri 14:00 PST
    frozen_now.set(T("2026-11-27T10:00:00-08:00"))
    act(api, tid, "reply", {"body": "Investigating"}, code=201)
    body = get(api, tid)
    assert sla_of(body, "first_response")["state"] == "met"
    assert due_of(body, "next_update") == T("2026-11-27T14:00:00-08:00")

    # pending Fri 11:00: next_update paused with 1 h used
    frozen_now.set(T("2026-11-27T11:00:00-08:00"))
    body = act(api, tid, "pending")
    assert sla_of(body, "next_update")["state"] == "paused"
    # the customer answers Mon 09:30: 3 h left → Mon 12:30 PST
    frozen_now.set(T("2026-11-30T09:30:00-08:00"))
    act(client_for(contact.user), tid, "reply", {"body": "here you go"}, code=201)
    assert due_of(get(api, tid), "next_update") == T("2026-11-30T12:30:00-08:00")

    # Sev2 → Sev3 Mon 10:00: next_update becomes 1 business day (8 h), 1 h used, counted
    # from Mon 09:30 → 7 h later = Mon 16:30 PST
    frozen_now.set(T("2026-11-30T10:00:00-08:00"))
    body = patch(api, tid, {"priority": "Sev3", "reason": "fewer devices than reported"})
    assert due_of(body, "next_update") == T("2026-11-30T16:30:00-08:00")

    # an agent update Mon 11:00 restarts the cadence: 8 h → Tue 1 Dec 11:00 PST, cycle 2
    frozen_now.set(T("2026-11-30T11:00:00-08:00"))
    act(api, tid, "reply", {"body": "fix scheduled"}, code=201)
    body = get(api, tid)
    assert due_of(body, "next_update") == T("2026-12-01T11:00:00-08:00")
    assert sla_of(body, "next_update")["cycle"] == 2

    # solved Mon 12:00: no resolution target; next_update cancelled
    frozen_now.set(T("2026-11-30T12:00:00-08:00"))
    body = act(api, tid, "solve")
    assert sla_of(body, "next_update")["state"] == "cancelled"


def test_houseware_pending_keeps_first_response_running(desk, frozen_now):
    api, org = desk
    organization, contact = org("houseware")
    tid = open_ticket(api, organization, contact, priority="P1")["id"]
    # P1: 36 hours → Fri 27 Nov 12:30Z
    assert due_of(get(api, tid), "first_response") == T("2026-11-27T12:30:00Z")

    # pending Thu 01:30Z: only resolution/next_update pause by default; first response runs
    frozen_now.set(T("2026-11-26T01:30:00Z"))
    body = act(api, tid, "pending")
    assert sla_of(body, "first_response")["state"] == "running"
    assert due_of(body, "first_response") == T("2026-11-27T12:30:00Z")
    frozen_now.set(T("2026-11-26T02:00:00Z"))
    act(api, tid, "resume")

    # P1 → P0 Thu 02:30Z: 24 hours from the start → Fri 27 Nov 00:30Z
    frozen_now.set(T("2026-11-26T02:30:00Z"))
    body = patch(api, tid, {"priority": "P0", "reason": "all customers blocked"})
    assert due_of(body, "first_response") == T("2026-11-27T00:30:00Z")

    frozen_now.set(T("2026-11-26T03:30:00Z"))
    act(api, tid, "reply", {"body": "SRE engaged"}, code=201)
    body = act(api, tid, "solve")
    assert sla_of(body, "first_response")["state"] == "met"
    assert body["status"] == "solved"


def test_freistilbox_dispatch_by_assignment(desk, frozen_now, team, agent):
    api, org = desk
    organization, contact = org("freistilbox")
    tid = open_ticket(
        api, organization, contact, priority="normal", tags=["cluster:c42", "site:example.com"]
    )["id"]

    # assignment Thu 08:30 CET (07:30Z) meets dispatch (due 09:00 CET) and opens the ticket
    frozen_now.set(T("2026-11-26T07:30:00Z"))
    body = patch(api, tid, {"team": team.pk, "assignee": agent.pk})
    assert (body["team"], body["assignee"], body["status"]) == (team.pk, agent.pk, "open")
    assert sla_of(body, "dispatch")["state"] == "met"
    assert body["tags"] == ["cluster:c42", "site:example.com"]

    # pending 09:00 CET: first response keeps running (the default pauses only others)
    frozen_now.set(T("2026-11-26T08:00:00Z"))
    body = act(api, tid, "pending")
    assert sla_of(body, "first_response")["state"] == "running"
    act(api, tid, "resume")

    # normal → high 10:00 CET: 4 business hours from Thu 08:00 CET → 12:00 CET = 11:00Z
    frozen_now.set(T("2026-11-26T09:00:00Z"))
    body = patch(api, tid, {"priority": "high", "reason": "site slow"})
    assert due_of(body, "first_response") == T("2026-11-26T11:00:00Z")

    frozen_now.set(T("2026-11-26T09:30:00Z"))
    act(api, tid, "reply", {"body": "cache flushed"}, code=201)
    body = act(api, tid, "solve")
    assert sla_of(body, "first_response")["state"] == "met"
    assert body["status"] == "solved"
