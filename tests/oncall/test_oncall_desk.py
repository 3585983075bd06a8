"""The desk's on-call page: timeline in my zone, "on call now", "nobody on call" in red,
overrides by form, pages with history and one-click acknowledge."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sladesk.notify.models import Page
from support.clock import T
from support.oncall import make_ticket
from support.timers import drain

pytestmark = pytest.mark.django_db

NOW = T("2026-03-24T10:00:00+01:00")


def test_the_oncall_page_shows_who_is_on_call_and_nobody_in_red(oncall_desk, client):
    desk = oncall_desk
    desk.clock.set(NOW)
    desk.schedule("primary", "pia", "sam")
    desk.schedule("later", "sam", handoff="2027-01-04T09:00")
    client.force_login(desk.secondary)
    body = client.get("/desk/oncall/").content.decode()
    # sam's week: the 12th weekly hand-off since 2026-01-05 (pia, sam, pia, ...)
    assert "You are on call now: primary" in body and "On call now: sam" in body
    assert 'class="clock clock-breached" data-nobody>nobody on call' in body
    # the timeline is in pia's zone (Europe/Berlin): the hand-off reads 09:00
    assert "Mon 30 Mar 09:00" in body


def test_an_agent_adds_an_override_by_form_in_their_zone(oncall_desk, client):
    from sladesk.oncall.models import Override

    desk = oncall_desk
    desk.clock.set(NOW)
    schedule = desk.schedule("primary", "pia")
    client.force_login(desk.secondary)
    response = client.post(f"/desk/oncall/schedules/{schedule.pk}/override/",
                           {"user": "sam", "start": "2026-03-25T18:00", "end": "2026-03-26T08:00", "reason": "cover"})
    assert response.status_code == 302
    made = Override.objects.get()
    assert made.start == T("2026-03-25T18:00:00+01:00") and made.created_by == desk.secondary
    bad = client.post(f"/desk/oncall/schedules/{schedule.pk}/override/",
                      {"user": "sam", "start": "2026-03-26T08:00", "end": "2026-03-25T18:00"}, follow=True)
    assert "Override not added: end must be after start" in bad.content.decode()


def test_pages_show_history_and_acknowledge_in_one_click(oncall_desk, client, django_assert_max_num_queries):
    desk = oncall_desk
    desk.clock.set(NOW)
    desk.policy("particle-p1", {"kind": "user", "user": "pia", "wait_minutes": 5},
                {"kind": "user", "user": "sam", "wait_minutes": 5})
    tickets = [make_ticket(desk, "particle-enterprise", region="na", priority="P1") for _ in range(3)]
    drain(NOW + timedelta(minutes=5))
    client.force_login(desk.secondary)
    with django_assert_max_num_queries(20):  # a fixed number, whatever the pages
        body = client.get("/desk/oncall/").content.decode()
    assert "step · user pia → pia" in body and "step · user sam → sam" in body
    page = Page.objects.get(ticket=tickets[0])
    assert client.post(f"/desk/oncall/pages/{page.pk}/ack/").status_code == 302
    page.refresh_from_db()
    assert (page.state, page.acknowledged_via, page.acknowledged_by) == ("acknowledged", "desk", desk.secondary)


def test_contacts_and_anonymous_visitors_cannot_see_oncall(oncall_desk, client):
    desk = oncall_desk
    assert client.get("/desk/oncall/").status_code in (302, 403, 404)
    contact = desk.make_contact(desk.make_org("esper"), login=True)
    client.force_login(contact.user)
    assert client.get("/desk/oncall/").status_code in (302, 403, 404)
