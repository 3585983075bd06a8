"""Escalation steps: time-of-day gates, repeats, the never-silent fallback, the snapshot."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sladesk.notify.models import Page
from sladesk.oncall.models import PageEscalation
from support.clock import T
from support.oncall import emails_to, make_ticket
from support.timers import drain

pytestmark = pytest.mark.django_db

OFFICE = [{"weekdays": [0, 1, 2, 3, 4], "start": "09:00", "end": "17:00"}]
SATURDAY_3AM = T("2026-03-21T03:00:00+01:00")
TUESDAY_10AM = T("2026-03-24T10:00:00+01:00")


@pytest.mark.parametrize(("at", "first"), [(SATURDAY_3AM, "sam"), (TUESDAY_10AM, "pia")])
def test_a_step_gated_to_office_hours_is_skipped_outside_them(oncall_desk, at, first):
    desk = oncall_desk
    # given pia only in office hours, sam only outside them
    desk.policy("particle-p1", {"kind": "user", "user": "pia", "wait_minutes": 5, "windows": OFFICE},
                {"kind": "user", "user": "sam", "wait_minutes": 5, "windows": OFFICE, "outside": True})
    desk.clock.set(at)
    ticket = make_ticket(desk, "particle-enterprise", region="na", priority="P1")
    drain(at)
    drain(at + timedelta(minutes=5))
    # then only the step whose gate is open pages; the other is skipped when its turn comes
    assert [u for u in ("pia", "sam") if emails_to(desk, f"{u}@desk.example")] == [first]
    skipped = ticket.events.filter(kind="page", data__action="step_skipped", data__outcome="outside the step's hours")
    assert skipped.count() == 1


def test_the_policy_repeats_k_times_then_stops(oncall_desk):
    desk = oncall_desk
    desk.policy("particle-p1", {"kind": "user", "user": "pia", "wait_minutes": 5}, repeat=2)
    desk.clock.set(SATURDAY_3AM)
    make_ticket(desk, "particle-enterprise", region="na", priority="P1")
    for minutes in range(0, 40, 5):
        drain(SATURDAY_3AM + timedelta(minutes=minutes))
    # 1 + 2 repeats, then silence (the page stays triggered for the desk)
    assert len(emails_to(desk, "pia@desk.example")) == 3
    assert Page.objects.get().state == "triggered"


def test_a_round_that_reaches_nobody_pages_the_teams_targets(oncall_desk):
    desk = oncall_desk
    empty = desk.schedule("later", "pia", handoff="2027-01-04T09:00")
    desk.policy("particle-p1", {"kind": "schedule", "schedule": empty.pk, "wait_minutes": 5})
    desk.clock.set(SATURDAY_3AM)
    ticket = make_ticket(desk, "particle-enterprise", region="na", priority="P1")
    drain(SATURDAY_3AM)
    # the default on-call team's PagerDuty and Slack still get the page
    assert len(desk.pagerduty.requests) == 1 and len(desk.slack.requests) == 1
    assert PageEscalation.objects.get(page__ticket=ticket).nobody
    assert ticket.events.filter(kind="page", data__action="fallback").exists()


def test_editing_the_policy_never_changes_a_page_already_climbing(oncall_desk):
    from sladesk.oncall.services.policies import replace_steps

    desk = oncall_desk
    policy = desk.policy("particle-p1", {"kind": "user", "user": "pia", "wait_minutes": 5},
                         {"kind": "user", "user": "sam", "wait_minutes": 5})
    desk.clock.set(SATURDAY_3AM)
    make_ticket(desk, "particle-enterprise", region="na", priority="P1")
    # when the policy's second step is changed to pia while the page waits
    replace_steps(policy, [{"kind": "user", "user": "pia", "wait_minutes": 5}])
    policy.refresh_from_db()
    drain(SATURDAY_3AM + timedelta(minutes=5))
    # then the page climbs its snapshot (version 1): sam is paged
    assert policy.version == 2 and len(emails_to(desk, "sam@desk.example")) == 1
    assert PageEscalation.objects.get().snapshot["version"] == 1


def test_without_an_escalation_policy_the_team_is_paged_and_repeats_as_before(oncall_desk):
    desk = oncall_desk
    desk.clock.set(SATURDAY_3AM)
    ticket = make_ticket(desk, "particle-enterprise", region="na", priority="P1")
    drain(SATURDAY_3AM + timedelta(minutes=15, seconds=1))
    assert not PageEscalation.objects.exists()
    assert len(desk.slack.requests) == 2 and Page.objects.get(ticket=ticket).repeats == 1


def test_the_admin_lists_schedules_and_policies(oncall_desk, client):
    from django.contrib.auth.models import User

    desk = oncall_desk
    schedule = desk.schedule("primary", "pia")
    policy = desk.policy("particle-p1", {"kind": "user", "user": "pia", "wait_minutes": 5})
    client.force_login(User.objects.create_superuser("root", "root@desk.example", "pw"))
    for url in ("/admin/oncall/schedule/", "/admin/oncall/escalationpolicy/", f"/admin/oncall/schedule/{schedule.pk}/change/",
                f"/admin/oncall/escalationpolicy/{policy.pk}/change/", "/admin/oncall/notificationrule/",
                "/admin/oncall/pageescalation/"):
        assert client.get(url).status_code == 200, url
