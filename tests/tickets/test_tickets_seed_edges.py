"""The seed promises at the instants a customer hits them (docs/seed-audit.md).

Tickets are opened through the services at frozen instants; every due instant is worked
out by hand in the comment above its assertion. ``T(...)`` reads an ISO instant with its
offset (PST -08:00, PDT -07:00, GMT +00:00, BST +01:00, CET +01:00, AEST +10:00).
"""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from sladesk.tickets import services
from sladesk.tickets.models import ClockState, SlaClock
from support.clock import T

pytestmark = pytest.mark.django_db


def clock(ticket, metric: str) -> SlaClock:
    return SlaClock.objects.get(ticket=ticket, metric=metric)


def due(ticket, metric: str):
    """The clock's due instant in UTC (instants in a DST fold compare safely)."""
    at = clock(ticket, metric).due_at
    return None if at is None else at.astimezone(UTC)


def utc(text: str):
    return T(text).astimezone(UTC)


@pytest.fixture
def opener(frozen_now, make_org, make_contact):
    """``open(policy, at, priority, plan=, region=)``: a ticket its customer opens at ``at``."""

    def open_at(policy: str, at: str, priority: str, *, plan: str = "", region: str = ""):
        org = make_org(policy, plan=plan, region=region)
        frozen_now.set(T(at))
        return services.open_ticket(
            organization=org,
            requester=make_contact(org),
            subject="Help",
            description="Something is wrong",
            priority=priority,
            actor=None,
            set_by="agent",
        )

    return open_at


# ------------------------------------------------------ seed 000: Particle Enterprise
def test_enterprise_friday_before_an_english_bank_holiday(opener):
    # given an EMEA customer (9-17 UK time, England's holidays) and Mon 31 Aug 2026, the
    # Summer bank holiday; when a P2 opens Fri 28 Aug at 16:55 BST
    ticket = opener("particle-enterprise", "2026-08-28T16:55:00+01:00", "P2", region="emea")
    # then 4 business hours: 5 min Fri, Mon closed, 3 h 55 min Tue → Tue 1 Sep 12:55 BST
    assert due(ticket, "first_response") == utc("2026-09-01T12:55:00+01:00")
    # and 2 business days (16 h): 5 min Fri, 8 h Tue, 7 h 55 min Wed → Wed 2 Sep 16:55 BST
    assert due(ticket, "resolution") == utc("2026-09-02T16:55:00+01:00")


def test_enterprise_the_english_holiday_is_not_north_americas(opener):
    # given the same instant for a North American customer (8:55 PDT, before opening)
    ticket = opener("particle-enterprise", "2026-08-28T16:55:00+01:00", "P2", region="na")
    # then the clock waits for 09:00 PDT and runs 4 h → Fri 28 Aug 13:00 PDT
    assert due(ticket, "first_response") == utc("2026-08-28T13:00:00-07:00")


def test_enterprise_friday_before_labor_day(opener):
    # given North America (US holidays): Mon 7 Sep 2026 is Labor Day; a P2 Fri 16:55 PDT
    ticket = opener("particle-enterprise", "2026-09-04T16:55:00-07:00", "P2", region="na")
    # then 5 min Fri, Mon closed, 3 h 55 min Tue → Tue 8 Sep 12:55 PDT
    assert due(ticket, "first_response") == utc("2026-09-08T12:55:00-07:00")
    # while EMEA works on Labor Day: a P2 at Fri 16:55 BST is due Mon 7 Sep 12:55 BST
    emea = opener("particle-enterprise", "2026-09-04T16:55:00+01:00", "P2", region="emea")
    assert due(emea, "first_response") == utc("2026-09-07T12:55:00+01:00")


def test_enterprise_observed_independence_day_is_closed(opener):
    # given 4 Jul 2026 is a Saturday, observed Fri 3 Jul; a North American P2 Thu 16:00 PDT
    ticket = opener("particle-enterprise", "2026-07-02T16:00:00-07:00", "P2", region="na")
    # then 1 h Thu, Fri closed (observed), 3 h Mon → Mon 6 Jul 12:00 PDT
    assert due(ticket, "first_response") == utc("2026-07-06T12:00:00-07:00")


def test_enterprise_dst_ends_in_london_over_the_weekend(opener):
    # given an EMEA P2 Fri 23 Oct 2026 16:00 BST; London falls back on Sun 25 Oct
    ticket = opener("particle-enterprise", "2026-10-23T16:00:00+01:00", "P2", region="emea")
    # then 1 h Fri, 3 h from Mon 09:00 GMT → Mon 26 Oct 12:00 GMT (not 11:00 or 13:00)
    assert due(ticket, "first_response") == utc("2026-10-26T12:00:00+00:00")


def test_enterprise_dst_ends_in_los_angeles_over_the_weekend(opener):
    # given a North American P3 Fri 30 Oct 2026 13:00 PDT; Los Angeles falls back Sun 1 Nov
    ticket = opener("particle-enterprise", "2026-10-30T13:00:00-07:00", "P3", region="na")
    # then 2 business days (16 h): 4 h Fri, 8 h Mon, 4 h Tue → Tue 3 Nov 13:00 PST
    assert due(ticket, "first_response") == utc("2026-11-03T13:00:00-08:00")


def test_enterprise_p1_counts_calendar_time_through_the_repeated_hour(opener):
    # given a P1 opened Sun 1 Nov 2026 01:30 PDT, the first of two 01:30s in Los Angeles
    ticket = opener("particle-enterprise", "2026-11-01T01:30:00-07:00", "P1", region="na")
    # then "1 hour" is 60 minutes of real time → 01:30 PST (09:30 UTC), on a Sunday night
    assert due(ticket, "first_response") == utc("2026-11-01T09:30:00+00:00")
    # and "2 days to de-escalate" is 48 h → Tue 3 Nov 00:30 PST
    assert due(ticket, "resolution") == utc("2026-11-03T08:30:00+00:00")


# -------------------------------------------------- seed 001: Particle Accelerator
def test_accelerator_apac_p1_over_easter(opener):
    # given an APAC customer (9-17 AEST, Australian holidays): Good Friday 26 Mar 2027 and
    # Easter Monday 29 Mar 2027; when a P1 opens Thu 25 Mar 16:30 AEST
    ticket = opener("particle-accelerator", "2027-03-25T16:30:00+10:00", "P1", region="apac")
    # then 1 business hour: 30 min Thu, Fri-Mon closed, 30 min Tue → Tue 30 Mar 09:30 AEST
    assert due(ticket, "first_response") == utc("2027-03-30T09:30:00+10:00")


def test_accelerator_emea_christmas_substitute_days_are_closed(opener):
    # given Christmas 2027 on a Saturday: England's substitute days Mon 27 and Tue 28 Dec;
    # when an EMEA P3 opens Fri 24 Dec 2027 16:00 GMT
    ticket = opener("particle-accelerator", "2027-12-24T16:00:00+00:00", "P3", region="emea")
    # then 2 business days (16 h): 1 h Fri, Mon-Tue closed, 8 h Wed, 7 h Thu → Thu 30 16:00
    assert due(ticket, "first_response") == utc("2027-12-30T16:00:00+00:00")


def test_accelerator_latin_america_runs_on_pacific_hours(opener):
    # given a Latin American customer (section 6: 9am-5pm PT) and Thanksgiving 2026
    ticket = opener("particle-accelerator", "2026-11-25T16:30:00-08:00", "P2", region="latam")
    # then 30 min Wed, Thu closed, 3 h 30 min Fri → Fri 27 Nov 12:30 PST
    assert due(ticket, "first_response") == utc("2026-11-27T12:30:00-08:00")


def test_accelerator_emea_hours_are_gmt_all_year(opener):
    # given an EMEA customer in summer: "9am-5pm GMT" is 10:00-18:00 BST (docs/policy.md)
    ticket = opener("particle-accelerator", "2026-07-01T17:30:00+01:00", "P1", region="emea")
    # then 1 business hour from 17:30 BST (16:30 GMT): 30 min Wed, 30 min Thu → 10:30 BST
    assert due(ticket, "first_response") == utc("2026-07-02T10:30:00+01:00")


# --------------------------------------------------------------------- seed 002: Esper
def test_esper_follow_up_cadence_runs_over_the_weekend(opener, frozen_now, agent):
    # given a Standard Sev2 opened Fri 4 Dec 2026 10:00 PST (8 business hours to respond)
    ticket = opener("esper", "2026-12-04T10:00:00-08:00", "Sev2", plan="standard")
    assert due(ticket, "first_response") == utc("2026-12-07T10:00:00-08:00")
    # when the agent answers Fri 15:00
    frozen_now.set(T("2026-12-04T15:00:00-08:00"))
    services.reply(ticket, author=agent, body="Looking")
    # then "status updates every day" (1 business day, 8 h): 2 h Fri, 6 h Mon → Mon 15:00
    assert due(ticket, "next_update") == utc("2026-12-07T15:00:00-08:00")


def test_esper_twice_a_week_is_20_business_hours(opener, frozen_now, agent):
    # given a Self-Service Sev3 answered Fri 4 Dec 2026 15:00 PST
    ticket = opener("esper", "2026-12-04T09:00:00-08:00", "Sev3", plan="self_service")
    frozen_now.set(T("2026-12-04T15:00:00-08:00"))
    services.reply(ticket, author=agent, body="Looking")
    # then 20 business hours: 2 h Fri, 8 Mon, 8 Tue, 2 Wed → Wed 9 Dec 11:00 PST
    assert due(ticket, "next_update") == utc("2026-12-09T11:00:00-08:00")


def test_esper_follow_up_pauses_while_pending(opener, frozen_now, agent):
    # given a Premium Sev2 answered Mon 7 Dec 2026 10:00 PST (updates every 4 business hours)
    ticket = opener("esper", "2026-12-07T09:00:00-08:00", "Sev2", plan="premium")
    frozen_now.set(T("2026-12-07T10:00:00-08:00"))
    services.reply(ticket, author=agent, body="Please send logs")
    assert due(ticket, "next_update") == utc("2026-12-07T14:00:00-08:00")
    # when the ticket waits on the customer from 11:00 until the customer replies Tue 09:30
    frozen_now.set(T("2026-12-07T11:00:00-08:00"))
    services.set_pending(ticket, actor=agent, reason="logs")
    assert clock(ticket, "next_update").state == ClockState.PAUSED
    frozen_now.set(T("2026-12-08T09:30:00-08:00"))
    services.reply(ticket, author=ticket.requester, body="Here they are")
    # then 1 h was used: 3 h left from Tue 09:30 → Tue 12:30 PST
    assert due(ticket, "next_update") == utc("2026-12-08T12:30:00-08:00")


# --------------------------------------------------------------- reopen after solve
def test_reopen_after_solve_resumes_resolution_with_its_used_time(opener, frozen_now, agent):
    # given a North American P3 opened Mon 7 Dec 2026 09:00 PST (5 business days: Fri 17:00)
    ticket = opener("particle-enterprise", "2026-12-07T09:00:00-08:00", "P3", region="na")
    assert due(ticket, "resolution") == utc("2026-12-11T17:00:00-08:00")
    services.reply(ticket, author=agent, body="Fixed, please confirm")
    # when it is solved Wed 09:00 (16 h used) and the customer answers Thu 09:00
    frozen_now.set(T("2026-12-09T09:00:00-08:00"))
    services.solve(ticket, actor=agent)
    frozen_now.set(T("2026-12-10T09:00:00-08:00"))
    services.reply(ticket, author=ticket.requester, body="Still broken")
    # then the day solved does not count: 24 h left from Thu 09:00 → Mon 14 Dec 17:00 PST
    res = clock(ticket, "resolution")
    assert (res.state, res.used) == (ClockState.RUNNING, timedelta(hours=16))
    assert due(ticket, "resolution") == utc("2026-12-14T17:00:00-08:00")


# ----------------------------------------------------------- seed 004: freistilbox
@pytest.mark.parametrize(
    ("priority", "standard", "enterprise"),
    [
        # 30 minutes, around the clock, on both
        ("urgent", "2026-12-04T20:00:00+01:00", "2026-12-04T20:00:00+01:00"),
        # 12x5: 30 min Fri + 3 h 30 min Mon; 24x7: 4 h → Fri 23:30
        ("high", "2026-12-07T11:30:00+01:00", "2026-12-04T23:30:00+01:00"),
        # 12x5: 1 business day = 12 h: 30 min Fri + 11 h 30 min Mon; 24x7: 24 h
        ("normal", "2026-12-07T19:30:00+01:00", "2026-12-05T19:30:00+01:00"),
        # 12x5: 36 h: 30 min Fri, 12 Mon, 12 Tue, 11 h 30 min Wed; 24x7: 72 h
        ("low", "2026-12-09T19:30:00+01:00", "2026-12-07T19:30:00+01:00"),
    ],
)
def test_freistilbox_12x5_and_24x7_from_friday_evening(opener, priority, standard, enterprise):
    # given two customers, 12x5 (Mon-Fri 08-20 CET) and 24x7; when both open Fri 19:30 CET
    at = "2026-12-04T19:30:00+01:00"
    twelve = opener("freistilbox", at, priority, plan="standard")
    always = opener("freistilbox", at, priority, plan="enterprise")
    # then the first responses are due as the seed's table says for each tier
    assert due(twelve, "first_response") == utc(standard)
    assert due(always, "first_response") == utc(enterprise)


def test_freistilbox_office_hours_follow_central_european_summer_time(opener):
    # given a 12x5 Low opened Fri 27 Mar 2026 14:00 CET; Berlin springs forward Sun 29 Mar
    ticket = opener("freistilbox", "2026-03-27T14:00:00+01:00", "low", plan="standard")
    # then 36 business hours: 6 h Fri, 12 Mon, 12 Tue, 6 Wed → Wed 1 Apr 14:00 CEST
    assert due(ticket, "first_response") == utc("2026-04-01T14:00:00+02:00")
    # and the dispatch hour: 1 h → Fri 15:00 CET
    assert due(ticket, "dispatch") == utc("2026-03-27T15:00:00+01:00")


# ------------------------------------------------------------ priority changes, late
def test_p1_de_escalated_after_its_two_days_is_met_late_at_the_downgrade(opener, frozen_now):
    # given a North American P1 opened Mon 7 Dec 2026 09:00 PST: "2 days to de-escalate
    # to Priority 2" is 48 h → Wed 9 Dec 09:00 PST, missed
    ticket = opener("particle-enterprise", "2026-12-07T09:00:00-08:00", "P1", region="na")
    frozen_now.set(T("2026-12-09T10:00:00-08:00"))
    services.refresh_clocks(ticket)
    # when the agent de-escalates it to P2 at Wed 12:00
    frozen_now.set(T("2026-12-09T12:00:00-08:00"))
    services.change_priority(ticket, priority="P2", actor=None, reason="workaround in place")
    # then the promise was kept 3 h late, at the downgrade, not whenever it is solved
    res = clock(ticket, "resolution")
    assert (res.state, res.met_at) == (ClockState.BREACHED, T("2026-12-09T12:00:00-08:00"))
    assert res.breached_at == T("2026-12-09T09:00:00-08:00")


def test_esper_sev1_lowered_to_sev2_after_the_reply_starts_the_update_cadence(
    opener, frozen_now, agent
):
    # given a Premium Sev1 ("continuous work until resolution": no update cadence) opened
    # and answered Mon 7 Dec 2026 09:00 / 09:30 PST
    ticket = opener("esper", "2026-12-07T09:00:00-08:00", "Sev1", plan="premium")
    frozen_now.set(T("2026-12-07T09:30:00-08:00"))
    services.reply(ticket, author=agent, body="Working on it")
    assert not SlaClock.objects.filter(ticket=ticket, metric="next_update").exists()
    # when the agent lowers it to Sev2 at 11:00
    frozen_now.set(T("2026-12-07T11:00:00-08:00"))
    services.change_priority(ticket, priority="Sev2", actor=agent, reason="partial outage")
    # then "status updates twice per business day" start now: 4 business hours → 15:00
    assert due(ticket, "next_update") == utc("2026-12-07T15:00:00-08:00")
    # and raised back to Sev1 the cadence stops; lowered again it starts again
    frozen_now.set(T("2026-12-07T12:00:00-08:00"))
    services.change_priority(ticket, priority="Sev1", actor=agent, reason="down again")
    assert clock(ticket, "next_update").state == ClockState.CANCELLED
    frozen_now.set(T("2026-12-07T13:00:00-08:00"))
    services.change_priority(ticket, priority="Sev2", actor=agent, reason="partial again")
    assert due(ticket, "next_update") == utc("2026-12-07T17:00:00-08:00")


def test_esper_priority_change_before_any_reply_starts_no_update_cadence(opener, frozen_now):
    # given a Premium Sev1 nobody has answered yet
    ticket = opener("esper", "2026-12-07T09:00:00-08:00", "Sev1", plan="premium")
    frozen_now.set(T("2026-12-07T10:00:00-08:00"))
    services.change_priority(ticket, priority="Sev2", actor=None, reason="partial")
    # then the cadence waits for the first update, as on any new ticket
    assert not SlaClock.objects.filter(ticket=ticket, metric="next_update").exists()


# ------------------------------------------------------------ pending / on hold
def test_pending_then_on_hold_then_open_counts_the_resolution_again(opener, frozen_now, agent):
    # given a North American P3 opened Mon 7 Dec 2026 09:00 PST, waiting on the customer
    # from 10:00 (1 h of its 40 h resolution used)
    ticket = opener("particle-enterprise", "2026-12-07T09:00:00-08:00", "P3", region="na")
    services.reply(ticket, author=agent, body="Please send logs")
    frozen_now.set(T("2026-12-07T10:00:00-08:00"))
    services.set_pending(ticket, actor=agent, reason="logs")
    # when the logs arrive through a vendor at 11:00 (on hold: a third party, the customer
    # waits again) and the ticket is open again at 12:00
    frozen_now.set(T("2026-12-07T11:00:00-08:00"))
    services.set_on_hold(ticket, actor=agent, reason="vendor")
    res = clock(ticket, "resolution")
    assert res.state == ClockState.RUNNING  # on hold: "the clocks keep running"
    frozen_now.set(T("2026-12-07T12:00:00-08:00"))
    services.resume(ticket, actor=agent, reason="vendor answered")
    # then 1 h used before pending, 39 h left from 11:00: 6 h Mon, 8 h Tue-Fri (32 h),
    # 1 h Mon 14 Dec → Mon 14 Dec 10:00 PST
    assert clock(ticket, "resolution").state == ClockState.RUNNING
    assert due(ticket, "resolution") == utc("2026-12-14T10:00:00-08:00")


def test_p1_de_escalated_while_pending_starts_the_p2_cycle_paused(opener, frozen_now, agent):
    # given a North American P1 waiting on the customer (resolution paused)
    ticket = opener("particle-enterprise", "2026-12-07T09:00:00-08:00", "P1", region="na")
    services.reply(ticket, author=agent, body="Please try the workaround and tell us")
    frozen_now.set(T("2026-12-07T09:30:00-08:00"))
    services.set_pending(ticket, actor=agent, reason="workaround")
    # when the agent de-escalates it to P2 while it still waits on the customer
    frozen_now.set(T("2026-12-07T10:00:00-08:00"))
    services.change_priority(ticket, priority="P2", actor=agent, reason="workaround works")
    # then the P1 promise is met and P2's 2 business days wait for the customer too
    res = clock(ticket, "resolution")
    assert (res.state, res.cycle) == (ClockState.PAUSED, 2)
    # and count from the customer's answer Tue 09:00: 16 h → Wed 9 Dec 17:00 PST
    frozen_now.set(T("2026-12-08T09:00:00-08:00"))
    services.reply(ticket, author=ticket.requester, body="It works for now")
    assert due(ticket, "resolution") == utc("2026-12-09T17:00:00-08:00")
