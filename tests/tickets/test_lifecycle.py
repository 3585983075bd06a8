"""The life cycle of a ticket under each seed policy, through the services only.

Every due instant is computed by hand in a comment next to the assertion. ``T(...)``
parses an ISO instant with its offset (PST = -08:00, CET = +01:00).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sladesk.tickets import selectors, services
from sladesk.tickets.models import ClockState, EventKind, SlaClock, Status, TicketEvent

pytestmark = pytest.mark.django_db

T = datetime.fromisoformat


def clock(ticket, metric: str) -> SlaClock:
    return SlaClock.objects.get(ticket=ticket, metric=metric)


def events(ticket, kind: str) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket, kind=kind))


# ------------------------------------------------------------------ particle-enterprise
def test_particle_enterprise_p2_full_life_cycle(frozen_now, make_org, make_contact, agent):
    # given Acme (particle-enterprise, region na: 9-17 Pacific, US holidays)
    org = make_org("particle-enterprise", region="na")
    customer = make_contact(org)
    frozen_now.set(T("2026-11-25T16:30:00-08:00"))  # Wed, the eve of Thanksgiving

    # when the customer opens a P2
    ticket = services.open_ticket(
        organization=org,
        requester=customer,
        subject="Fleet OTA stalls",
        description="Half the fleet is stuck",
        priority="P2",
        channel="email",
        custom_fields={"device_os_supported": True},
    )

    # then first response: 4 business hours = 30 min Wed + (Thu 26 Thanksgiving closed)
    #      + 3 h 30 min Fri 09:00 → Fri 27 Nov 12:30 PST
    assert ticket.priority == "P2" and ticket.status == Status.NEW
    assert clock(ticket, "first_response").due_at == T("2026-11-27T12:30:00-08:00")
    # resolution: 2 business days = 16 h: 0.5 Wed + 8 Fri + 7.5 Mon 30 Nov → 16:30 PST
    assert clock(ticket, "resolution").due_at == T("2026-11-30T16:30:00-08:00")
    assert "Thanksgiving" in clock(ticket, "first_response").explanation
    assert set(SlaClock.objects.filter(ticket=ticket).values_list("metric", flat=True)) == {
        "first_response",
        "resolution",
    }

    # when the agent answers Fri 10:00
    frozen_now.set(T("2026-11-27T10:00:00-08:00"))
    services.reply(ticket, author=agent, body="Looking into it")
    # then first response is met with 30 min Wed + 1 h Fri used; the ticket is open
    fr = clock(ticket, "first_response")
    assert (fr.state, fr.met_at, fr.used) == (
        "met",
        T("2026-11-27T10:00:00-08:00"),
        timedelta(hours=1, minutes=30),
    )
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN

    # when the agent waits for the customer from Fri 11:00
    frozen_now.set(T("2026-11-27T11:00:00-08:00"))
    services.set_pending(ticket, actor=agent, reason="need logs")
    # then resolution pauses with 30 min Wed + 2 h Fri = 2 h 30 min used
    res = clock(ticket, "resolution")
    assert (res.state, res.used, res.due_at) == ("paused", timedelta(hours=2, minutes=30), None)

    # when the customer replies Mon 30 Nov 13:10
    frozen_now.set(T("2026-11-30T13:10:00-08:00"))
    services.reply(ticket, author=customer, body="logs attached")
    # then it resumes: 16 h - 2 h 30 = 13 h 30 left: Mon 13:10-17:00 3 h 50, Tue 8 h,
    #      1 h 40 Wed 2 Dec → 10:40 PST
    res = clock(ticket, "resolution")
    assert res.state == "running"
    assert res.due_at == T("2026-12-02T10:40:00-08:00")
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN
    # pause wall time: Fri 11:00 → Mon 13:10 = 74 h 10 min
    assert "paused 74 h 10 min while pending" in res.explanation

    # when the agent lowers the priority to P3 on Tue 1 Dec 09:00
    frozen_now.set(T("2026-12-01T09:00:00-08:00"))
    services.change_priority(ticket, priority="P3", actor=agent, reason="workaround found")
    # then resolution is re-targeted from running_since (Mon 13:10) keeping 2 h 30 used:
    #      5 business days = 40 h; 37 h 30 left: Mon 3 h 50, Tue-Thu 24 h, Fri 4 Dec 8 h
    #      → 1 h 40 on Mon 7 Dec → 10:40 PST
    res = clock(ticket, "resolution")
    assert res.due_at == T("2026-12-07T10:40:00-08:00")
    assert res.target_work == timedelta(hours=40)
    [change] = events(ticket, EventKind.PRIORITY)
    assert change.data == {"from": "P2", "to": "P3", "reason": "workaround found"}
    assert change.actor_user == agent
    [notice] = events(ticket, EventKind.CUSTOMER_NOTICE)
    assert notice.data["to"] == "P3"

    # when the agent solves Wed 2 Dec 12:00
    frozen_now.set(T("2026-12-02T12:00:00-08:00"))
    services.solve(ticket, actor=agent)
    # then resolution is met: 2 h 30 + Mon 3 h 50 + Tue 8 h + Wed 3 h = 17 h 20 used
    res = clock(ticket, "resolution")
    assert (res.state, res.used) == ("met", timedelta(hours=17, minutes=20))
    ticket.refresh_from_db()
    assert (ticket.status, ticket.solved_at) == (Status.SOLVED, T("2026-12-02T12:00:00-08:00"))
    # and the log has every clock move, in order
    moves = [
        (e.data["metric"], e.data["from"], e.data["to"]) for e in events(ticket, EventKind.CLOCK)
    ]
    assert moves == [
        ("first_response", None, "running"),
        ("resolution", None, "running"),
        ("first_response", "running", "met"),
        ("resolution", "running", "paused"),
        ("resolution", "paused", "running"),
        ("resolution", "running", "running"),
        ("resolution", "running", "met"),
    ]


def test_particle_enterprise_p1_resolution_is_met_by_downgrade_to_p2(
    frozen_now, make_org, make_contact, agent
):
    # given a P1 opened Wed 25 Nov 16:30 PST (P1 targets are calendar time)
    org = make_org("particle-enterprise", region="na")
    customer = make_contact(org)
    ticket = services.open_ticket(
        organization=org,
        requester=customer,
        subject="Fleet down",
        description="all offline",
        priority="P1",
        channel="email",
    )
    # then first response 1 hour → 17:30 PST; resolution 2 days → Fri 27 Nov 16:30 PST
    assert clock(ticket, "first_response").due_at == T("2026-11-25T17:30:00-08:00")
    assert clock(ticket, "resolution").due_at == T("2026-11-27T16:30:00-08:00")
    [created] = events(ticket, EventKind.CREATED)
    assert created.data["pages"]  # P1 pages on-call on creation

    # when the agent de-escalates to P2 on Thanksgiving 10:00
    frozen_now.set(T("2026-11-26T10:00:00-08:00"))
    services.change_priority(ticket, priority="P2", actor=agent, reason="workaround in place")

    # then the P1 resolution target is met by the downgrade ...
    met = [e.data for e in events(ticket, EventKind.CLOCK) if e.data["to"] == "met"]
    assert met[0]["metric"] == "resolution"
    assert met[0]["reason"] == "de-escalation to P2"
    # ... and a second resolution cycle runs under P2 from now: 16 business hours from
    #     Thu 26 (closed) → Fri 8 h, Mon 30 Nov 8 h → Mon 17:00 PST
    res = clock(ticket, "resolution")
    assert (res.state, res.cycle) == ("running", 2)
    assert res.due_at == T("2026-11-30T17:00:00-08:00")
    # first response re-targeted from the start with nothing used: 4 business hours from
    #     Wed 16:30 → Fri 27 Nov 12:30 PST (it was past 17:30 but the refresh ran first:
    #     the 1-hour P1 first response had breached at Wed 17:30)
    fr = clock(ticket, "first_response")
    assert (fr.state, fr.breached_at) == ("breached", T("2026-11-25T17:30:00-08:00"))


def test_particle_enterprise_emea_uses_uk_hours(frozen_now, make_org, make_contact):
    # given an EMEA organization (9-17 UK time, England's holidays)
    org = make_org("particle-enterprise", region="emea")
    customer = make_contact(org)
    frozen_now.set(T("2026-12-24T15:00:00+00:00"))  # Thu, Christmas Eve
    # when a P2 opens
    ticket = services.open_ticket(
        organization=org,
        requester=customer,
        subject="x",
        description="y",
        priority="P2",
    )
    # then 4 business hours: Thu 15-17 = 2 h, Fri 25 Christmas, Mon 28 Boxing Day
    #      (observed), Tue 29 09:00 + 2 h → 11:00 GMT
    assert clock(ticket, "first_response").due_at == T("2026-12-29T11:00:00+00:00")


# ------------------------------------------------------------------ particle-accelerator
def test_particle_accelerator_caps_unsupported_device_os_and_notices_changes(
    frozen_now, make_org, make_contact, agent
):
    # given an accelerator customer in EMEA (9-17 GMT, England's holidays)
    org = make_org("particle-accelerator", region="emea")
    customer = make_contact(org)
    frozen_now.set(T("2026-12-24T15:00:00+00:00"))
    # when the customer asks for P1 on an unsupported Device OS
    ticket = services.open_ticket(
        organization=org,
        requester=customer,
        subject="OTA fails",
        description="on 1.5.2",
        priority="P1",
        custom_fields={"device_os_supported": False, "device_os_version": "1.5.2"},
    )
    # then the rule caps it at P2 and tags it
    assert ticket.priority == "P2"
    assert list(ticket.tags.values_list("name", flat=True)) == ["unsupported-device-os"]
    [rule] = events(ticket, EventKind.RULE)
    assert "capped at P2" in rule.data["reasons"][0]
    # 4 business hours: Thu 15-17 2 h; Fri 25, Mon 28 (Boxing Day observed) closed;
    # Tue 29 Dec 09:00 + 2 h → 11:00 UTC
    assert clock(ticket, "first_response").due_at == T("2026-12-29T11:00:00+00:00")

    # when the device is updated to a supported version and the agent raises it to P1
    frozen_now.set(T("2026-12-29T09:30:00+00:00"))
    services.update_fields(ticket, custom_fields={"device_os_supported": True}, actor=agent)
    services.change_priority(ticket, priority="P1", actor=agent, reason="whole fleet down")
    # then first response (1 business hour from Thu 15:00, nothing used) was due
    # Thu 24 Dec 16:00 → it is breached at that instant; resolution 2 business days
    # (16 h) from Thu 15:00: Thu 2 h, Tue 29 8 h, Wed 30 6 h → 15:00 UTC
    fr = clock(ticket, "first_response")
    assert (fr.state, fr.breached_at) == ("breached", T("2026-12-24T16:00:00+00:00"))
    assert clock(ticket, "resolution").due_at == T("2026-12-30T15:00:00+00:00")
    [notice] = events(ticket, EventKind.CUSTOMER_NOTICE)
    assert notice.data["required_by_policy"] is True  # "with notice to Customer" (seed 001 §9)


# ------------------------------------------------------------------ esper
def test_esper_premium_next_update_cadence(frozen_now, make_org, make_contact, agent):
    # given an Esper premium customer (9-17 Pacific)
    org = make_org("esper", plan="premium")
    customer = make_contact(org)
    frozen_now.set(T("2026-11-30T10:00:00-08:00"))  # Mon
    # when the customer opens a Sev3 with 800 devices affected
    ticket = services.open_ticket(
        organization=org,
        requester=customer,
        subject="DPC update broke devices",
        description="800 devices",
        priority="Sev3",
        custom_fields={"devices_affected": 800},
    )
    # then the 500+ rule raises it to Sev2: first response 4 business hours → 14:00 PST
    assert ticket.priority == "Sev2"
    assert clock(ticket, "first_response").due_at == T("2026-11-30T14:00:00-08:00")
    assert not SlaClock.objects.filter(ticket=ticket, metric="next_update").exists()

    # when the agent replies 11:00: first response met, next update due 4 h later 15:00
    frozen_now.set(T("2026-11-30T11:00:00-08:00"))
    services.reply(ticket, author=agent, body="on it")
    assert clock(ticket, "first_response").state == "met"
    assert clock(ticket, "next_update").due_at == T("2026-11-30T15:00:00-08:00")

    # when the agent updates again 12:00: the cadence restarts → 16:00
    frozen_now.set(T("2026-11-30T12:00:00-08:00"))
    services.reply(ticket, author=agent, body="found the cause")
    nu = clock(ticket, "next_update")
    assert (nu.cycle, nu.due_at) == (2, T("2026-11-30T16:00:00-08:00"))

    # when it waits on the customer 13:00 (1 h used) and the customer answers Tue 09:30
    frozen_now.set(T("2026-11-30T13:00:00-08:00"))
    services.set_pending(ticket, actor=agent)
    assert clock(ticket, "next_update").used == timedelta(hours=1)
    frozen_now.set(T("2026-12-01T09:30:00-08:00"))
    services.reply(ticket, author=customer, body="here you go")
    # then 3 h are left from 09:30 → 12:30 PST
    assert clock(ticket, "next_update").due_at == T("2026-12-01T12:30:00-08:00")

    # when nobody updates until 13:00: the refresh records the breach at 12:30
    frozen_now.set(T("2026-12-01T13:00:00-08:00"))
    [breached] = services.refresh_clocks(ticket)
    assert (breached.metric, breached.breached_at) == (
        "next_update",
        T("2026-12-01T12:30:00-08:00"),
    )
    assert services.refresh_clocks(ticket) == []  # safe to run twice
    # and the next update restarts the cadence: 13:05 + 4 h = 3 h 55 Tue + 5 min Wed → 09:05
    frozen_now.set(T("2026-12-01T13:05:00-08:00"))
    services.reply(ticket, author=agent, body="update")
    nu = clock(ticket, "next_update")
    assert (nu.state, nu.cycle, nu.breach_count) == ("running", 3, 1)
    assert nu.due_at == T("2026-12-02T09:05:00-08:00")

    # when solved: resolution (none in Esper) - next update cancelled
    services.solve(ticket, actor=agent)
    assert clock(ticket, "next_update").state == "cancelled"


def test_esper_field_change_reapplies_the_500_devices_floor(
    frozen_now, make_org, make_contact, agent
):
    # given a premium Sev3 opened Mon 30 Nov 10:00 PST: first response 1 business day (8 h)
    #       → Tue 1 Dec 10:00
    org = make_org("esper", plan="premium")
    customer = make_contact(org)
    frozen_now.set(T("2026-11-30T10:00:00-08:00"))
    ticket = services.open_ticket(
        organization=org,
        requester=customer,
        subject="MDM policy",
        description="not applied",
        priority="Sev3",
        custom_fields={"devices_affected": 20},
    )
    assert clock(ticket, "first_response").due_at == T("2026-12-01T10:00:00-08:00")
    # when at 11:00 the agent records 650 devices
    frozen_now.set(T("2026-11-30T11:00:00-08:00"))
    ticket = services.update_fields(ticket, custom_fields={"devices_affected": 650}, actor=agent)
    # then Sev2; first response re-targeted from the start: 4 business hours → 14:00
    assert ticket.priority == "Sev2"
    assert clock(ticket, "first_response").due_at == T("2026-11-30T14:00:00-08:00")
    assert "devices-500-plus" in ticket.tags.values_list("name", flat=True)
    [rule] = events(ticket, EventKind.RULE)
    assert rule.actor_user == agent


# ------------------------------------------------------------------ houseware
def test_houseware_ignores_customer_priority_and_runs_24x7(
    frozen_now, make_org, make_contact, agent
):
    # given a Houseware customer (24x7, team sets priority)
    org = make_org("houseware")
    customer = make_contact(org, login=True)
    frozen_now.set(T("2026-11-26T00:30:00+00:00"))  # Thanksgiving does not matter here
    # when the customer (through its login) asks for P0
    ticket = services.open_ticket(
        organization=org,
        requester=customer,
        subject="Dashboards slow",
        description="slow",
        priority="P0",
        actor=customer.user,
    )
    # then the default P2 applies: 48 hours → Sat 28 Nov 00:30 UTC
    assert ticket.priority == "P2"
    assert clock(ticket, "first_response").due_at == T("2026-11-28T00:30:00+00:00")
    [rule] = events(ticket, EventKind.RULE)
    assert "ignored" in rule.data["reasons"][0]

    # when pending then resumed: first response does not pause (only resolution/next_update do)
    frozen_now.set(T("2026-11-26T02:00:00+00:00"))
    services.set_pending(ticket, actor=agent)
    assert clock(ticket, "first_response").state == "running"
    frozen_now.set(T("2026-11-26T05:00:00+00:00"))
    services.resume(ticket, actor=agent)

    # when the team raises it to P0 at 10:30: 24 hours from the start → Fri 27 00:30 UTC
    frozen_now.set(T("2026-11-26T10:30:00+00:00"))
    services.change_priority(ticket, priority="P0", actor=agent, reason="all customers blocked")
    assert clock(ticket, "first_response").due_at == T("2026-11-27T00:30:00+00:00")

    # when the agent replies and solves
    frozen_now.set(T("2026-11-26T11:00:00+00:00"))
    services.reply(ticket, author=agent, body="fixed")
    services.solve(ticket, actor=agent)
    fr = clock(ticket, "first_response")
    assert (fr.state, fr.used) == ("met", timedelta(hours=10, minutes=30))


# ------------------------------------------------------------------ freistilbox
def test_freistilbox_standard_dispatch_and_first_response(
    frozen_now, make_org, make_contact, agent, team
):
    # given a 12x5 customer (Mon-Fri 08-20 Berlin)
    org = make_org("freistilbox", plan="standard")
    customer = make_contact(org)
    frozen_now.set(T("2026-11-27T19:30:00+01:00"))  # Fri
    # when a normal ticket arrives tagged with its cluster and website
    ticket = services.open_ticket(
        organization=org,
        requester=customer,
        subject="503s",
        description="site down?",
        priority="normal",
        tags=["cluster:c42", "website:example.com"],
    )
    # then first response 1 business day (12 h): Fri 30 min, Mon 30 Nov 08:00 + 11 h 30 → 19:30
    assert clock(ticket, "first_response").due_at == T("2026-11-30T19:30:00+01:00")
    # dispatch 1 business hour (office): Fri 30 min + Mon 08:00 + 30 min → 08:30
    assert clock(ticket, "dispatch").due_at == T("2026-11-30T08:30:00+01:00")
    assert sorted(ticket.tags.values_list("name", flat=True)) == [
        "cluster:c42",
        "website:example.com",
    ]

    # when a team picks it up Mon 08:15
    frozen_now.set(T("2026-11-30T08:15:00+01:00"))
    ticket = services.assign(ticket, team=team, assignee=agent, actor=agent)
    # then dispatch is met with 45 min used and the ticket is open
    d = clock(ticket, "dispatch")
    assert (d.state, d.used) == ("met", timedelta(minutes=45))
    assert ticket.status == Status.OPEN
    # and a reply meets first response; solve closes nothing else
    frozen_now.set(T("2026-11-30T09:00:00+01:00"))
    services.reply(ticket, author=agent, body="restarted the app servers")
    services.solve(ticket, actor=agent)
    assert clock(ticket, "first_response").state == "met"


def test_freistilbox_enterprise_out_of_hours_pages_and_runs_24x7(
    frozen_now, make_org, make_contact
):
    # given a 24x7 enterprise customer; Sat 28 Nov 03:00 CET is outside office hours
    org = make_org("freistilbox", plan="enterprise")
    customer = make_contact(org)
    frozen_now.set(T("2026-11-28T03:00:00+01:00"))
    ticket = services.open_ticket(
        organization=org,
        requester=customer,
        subject="down",
        description="prod down",
        priority="urgent",
    )
    # then urgent first response 30 minutes → 03:30; dispatch on the office calendar
    #      → Mon 30 Nov 08:00 + 1 h → 09:00 CET
    assert clock(ticket, "first_response").due_at == T("2026-11-28T03:30:00+01:00")
    assert clock(ticket, "dispatch").due_at == T("2026-11-30T09:00:00+01:00")
    [created] = events(ticket, EventKind.CREATED)
    assert any("outside" in why for why in created.data["pages"])
    # and the read side shows the clock breached after 03:30 before any refresh
    frozen_now.set(T("2026-11-28T03:45:00+01:00"))
    ticket = selectors.get_ticket(None, ticket.pk) if False else ticket
    status = {s.metric: s for s in selectors.clock_statuses(ticket)}
    assert status["first_response"].state == ClockState.BREACHED
    assert status["first_response"].remaining_seconds == -15 * 60
