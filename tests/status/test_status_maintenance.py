"""Scheduled maintenance: on time, left out of uptime, and (where the policy says so) no
breach page for a ticket about a component under maintenance."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from sladesk.notify.models import Page
from sladesk.status import history
from sladesk.status.models import StatusSpan
from sladesk.status.services import (
    ServiceError,
    apply_maintenance,
    cancel_maintenance,
    open_incident,
    post_update,
    schedule_maintenance,
)
from sladesk.tickets import services
from support.clock import T
from support.timers import drain

pytestmark = pytest.mark.django_db


def _status(component):
    component.refresh_from_db()
    return component.status


def test_a_window_moves_components_in_and_out_at_its_exact_edges(status):
    # given a window 02:00-03:00 on the dashboard, announced the day before
    status.clock.set(T("2026-06-01T12:00:00+00:00"))
    m = schedule_maintenance(
        status.page,
        name="DB upgrade",
        components=[status.dashboard.pk],
        scheduled_for=T("2026-06-02T02:00:00+00:00"),
        scheduled_until=T("2026-06-02T03:00:00+00:00"),
    )
    apply_maintenance()
    assert _status(status.dashboard) == "operational"
    # when the job runs 7 s late at the start and 11 s late at the end
    status.clock.set(T("2026-06-02T02:00:07+00:00"))
    apply_maintenance()
    assert _status(status.dashboard) == "under_maintenance"
    status.clock.set(T("2026-06-02T03:00:11+00:00"))
    apply_maintenance()
    # then the component is back and the span has the window's exact edges
    assert _status(status.dashboard) == "operational"
    span = StatusSpan.objects.get(component=status.dashboard)
    assert (span.started_at, span.ended_at) == (m.scheduled_for, m.scheduled_until)
    # and running the job again changes nothing
    assert apply_maintenance() == 0


def test_an_outage_inside_maintenance_costs_no_uptime(status):
    status.clock.set(T("2026-06-01T00:00:00+00:00"))
    schedule_maintenance(
        status.page,
        name="Upgrade",
        components=[status.api.pk],
        scheduled_for=T("2026-06-01T02:00:00+00:00"),
        scheduled_until=T("2026-06-01T04:00:00+00:00"),
    )
    status.clock.set(T("2026-06-01T02:30:00+00:00"))
    apply_maintenance()
    incident = open_incident(
        status.page, name="Upgrade went wrong", body="x", components={status.api.pk: "major_outage"}
    )
    assert _status(status.api) == "under_maintenance"  # maintenance wins
    status.clock.set(T("2026-06-01T05:00:00+00:00"))
    apply_maintenance()
    assert _status(status.api) == "major_outage"  # the outage outlived the window
    post_update(incident, status="resolved", body="ok")
    status.clock.set(T("2026-06-02T00:00:00+00:00"))
    [api, _] = history.month_report(status.page, 2026, 6)
    # one hour of outage (04:00-05:00) over 22 counted hours of 1 June
    assert api.uptime.seconds["under_maintenance"] == 7200
    assert api.uptime.downtime == 3600
    assert api.uptime.percent == pytest.approx(100 * (1 - 1 / 22))


def test_a_recurring_window_in_a_time_zone(status):
    # given every Sunday 02:00-04:00 Berlin time
    status.clock.set(T("2026-03-20T12:00:00+00:00"))
    schedule_maintenance(
        status.page,
        name="Weekly patching",
        components=[status.api.pk],
        frequency="weekly",
        weekdays=[6],
        at_time=time(2),
        duration_minutes=120,
        time_zone="Europe/Berlin",
        first_day=date(2026, 3, 1),
    )
    # when the job runs on the spring-forward Sunday at 01:30 UTC (03:30 CEST)
    status.clock.set(T("2026-03-29T01:30:00+00:00"))
    apply_maintenance()
    assert _status(status.api) == "under_maintenance"
    status.clock.set(T("2026-03-29T03:00:00+00:00"))
    apply_maintenance()
    assert _status(status.api) == "operational"
    # then the window started at 02:00 local that does not exist: 01:00 UTC, two hours
    span = StatusSpan.objects.get(component=status.api)
    assert span.started_at == T("2026-03-29T01:00:00+00:00")
    assert span.ended_at - span.started_at == timedelta(hours=2)


def test_a_window_the_worker_missed_is_recorded_afterwards(status):
    status.clock.set(T("2026-06-01T00:00:00+00:00"))
    schedule_maintenance(
        status.page,
        name="Night work",
        components=[status.api.pk],
        scheduled_for=T("2026-06-01T02:00:00+00:00"),
        scheduled_until=T("2026-06-01T03:00:00+00:00"),
    )
    status.clock.set(T("2026-06-01T09:00:00+00:00"))
    apply_maintenance()
    span = StatusSpan.objects.get(component=status.api)
    assert (span.started_at, span.ended_at) == (
        T("2026-06-01T02:00:00+00:00"),
        T("2026-06-01T03:00:00+00:00"),
    )


def test_cancelling_a_running_window_ends_it_now(status):
    status.clock.set(T("2026-06-01T02:10:00+00:00"))
    m = schedule_maintenance(
        status.page,
        name="x",
        components=[status.api.pk],
        scheduled_for=T("2026-06-01T02:00:00+00:00"),
        scheduled_until=T("2026-06-01T05:00:00+00:00"),
    )
    apply_maintenance()
    assert _status(status.api) == "under_maintenance"
    cancel_maintenance(m)
    assert _status(status.api) == "operational"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"components": []}, "components"),
        ({"scheduled_for": None}, "one-off window"),
        (
            {"frequency": "weekly", "weekdays": [], "at_time": time(2), "duration_minutes": 60},
            "weekdays",
        ),
        ({"frequency": "weekly", "weekdays": [1]}, "at_time"),
        ({"time_zone": "Mars/Olympus"}, "time zone"),
    ],
)
def test_bad_maintenance_is_refused_with_the_reason(status, kwargs, message):
    values = {
        "name": "x",
        "components": [status.api.pk],
        "scheduled_for": T("2026-06-01T02:00:00+00:00"),
        "scheduled_until": T("2026-06-01T03:00:00+00:00"),
    }
    values.update(kwargs)
    with pytest.raises(ServiceError, match=message):
        schedule_maintenance(status.page, **values)


SILENCE = "uptime: {target: 99.9, maintenance_silences_pages: true}\n"


@pytest.mark.parametrize(
    ("maintenance", "silence", "paged"),
    [
        (True, True, False),  # announced maintenance, policy says so: no page
        (False, True, True),  # no maintenance: paged as usual
        (True, False, True),  # the policy does not say so: paged
    ],
)
def test_no_breach_page_for_a_ticket_about_a_component_under_maintenance(
    status, policy_with, maintenance, silence, paged
):
    # given freistilbox (dispatch within 1 h or page, seed 004), maybe with the silence clause
    policy_with("freistilbox", SILENCE if silence else "uptime_target: 99.9\n")
    status.clock.set(T("2026-11-25T10:00:00+01:00"))
    if maintenance:
        schedule_maintenance(
            status.page,
            name="Cluster move",
            components=[status.api.pk],
            scheduled_for=T("2026-11-25T10:30:00+01:00"),
            scheduled_until=T("2026-11-25T12:00:00+01:00"),
        )
    org = status.make_org("freistilbox", name="Freistil customer")
    ticket = services.open_ticket(
        organization=org,
        requester=status.make_contact(org),
        subject="API down?",
        description="d",
        priority="normal",
        custom_fields={"component": "API"},
    )
    # when the dispatch target is missed during the window
    drain(T("2026-11-25T11:00:01+01:00"))
    # then on-call is paged, or not, and the ticket's log says why not
    assert Page.objects.filter(ticket=ticket).exists() is paged
    [action] = [e.data for e in ticket.events.filter(kind="action")]
    if paged:
        assert action["outcome"] == "paged"
    else:
        assert action["outcome"].startswith("not paged: API under announced maintenance")
