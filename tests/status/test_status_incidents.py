"""Incidents move components, keep history for uptime, and can be backfilled."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sladesk.status import history
from sladesk.status.models import IncidentStatus, StatusSpan
from sladesk.status.services import (
    ServiceError,
    backfill_times,
    open_incident,
    post_update,
    publish_postmortem,
    set_component_status,
)
from support.clock import T

pytestmark = pytest.mark.django_db


def refresh(obj):
    obj.refresh_from_db()
    return obj


def test_an_incident_holds_its_components_until_resolved(status):
    # given an operational page at 10:00
    status.clock.set(T("2026-06-01T10:00:00+00:00"))
    # when an incident takes the API down
    incident = open_incident(
        status.page,
        name="API errors",
        body="Looking into it",
        impact="major",
        components={status.api.pk: "major_outage"},
    )
    # then the API shows major_outage, the dashboard is untouched
    assert refresh(status.api).status == "major_outage"
    assert refresh(status.dashboard).status == "operational"
    # when it is identified (partial) and resolved an hour later
    status.clock.set(T("2026-06-01T10:30:00+00:00"))
    post_update(
        incident, status="identified", body="Found it", components={status.api.pk: "partial_outage"}
    )
    assert refresh(status.api).status == "partial_outage"
    status.clock.set(T("2026-06-01T11:00:00+00:00"))
    post_update(incident, status="resolved", body="Fixed")
    # then the API is operational again and its history has both intervals
    assert refresh(status.api).status == "operational"
    spans = list(
        StatusSpan.objects.filter(component=status.api).values_list(
            "status", "started_at", "ended_at"
        )
    )
    assert spans == [
        ("major_outage", T("2026-06-01T10:00:00+00:00"), T("2026-06-01T10:30:00+00:00")),
        ("partial_outage", T("2026-06-01T10:30:00+00:00"), T("2026-06-01T11:00:00+00:00")),
    ]
    assert refresh(incident).resolved_at == T("2026-06-01T11:00:00+00:00")
    # and the June figure counts 30 min fully and 30 min at 0.3 so far (until 11:00)
    [api, _] = history.month_report(status.page, 2026, 6)
    assert api.uptime.downtime == pytest.approx(1800 + 0.3 * 1800)
    assert api.target == 99.5


def test_overlapping_sources_show_the_worst_status(status):
    status.clock.set(T("2026-06-01T10:00:00+00:00"))
    set_component_status(status.api, "degraded_performance")
    incident = open_incident(
        status.page, name="x", body="y", components={status.api.pk: "partial_outage"}
    )
    assert refresh(status.api).status == "partial_outage"
    post_update(incident, status="resolved", body="ok")
    # the hand-set degraded status is still there once the incident lets go
    assert refresh(status.api).status == "degraded_performance"
    set_component_status(status.api, "operational")
    assert refresh(status.api).status == "operational"


def test_a_backfilled_incident_is_history_and_tells_nobody(status):
    from sladesk.notify.models import OutboxMessage

    status.clock.set(T("2026-06-10T12:00:00+00:00"))
    incident = open_incident(
        status.page,
        name="Outage last week",
        body="Postmortem to follow",
        impact="critical",
        components={status.api.pk: "major_outage"},
        started_at=T("2026-06-03T08:00:00+00:00"),
        resolved_at=T("2026-06-03T10:00:00+00:00"),
    )
    assert incident.status == IncidentStatus.RESOLVED
    assert refresh(status.api).status == "operational"
    assert not OutboxMessage.objects.filter(purpose="status_subscriber").exists()
    # the two hours count in June
    [api, _] = history.month_report(status.page, 2026, 6)
    assert api.uptime.seconds["major_outage"] == 7200
    # correcting the times moves the interval
    backfill_times(incident, started_at=T("2026-06-03T09:00:00+00:00"))
    [api, _] = history.month_report(status.page, 2026, 6)
    assert api.uptime.seconds["major_outage"] == 3600
    publish_postmortem(incident, body="Root cause: a full disk.")
    assert refresh(incident).status == "postmortem"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"started_at": T("2030-01-01T00:00:00+00:00")}, "future"),
        ({"components": {"nope": "major_outage"}}, "not on the status page"),
        ({"components": {}, "status": "postmortem"}, "unknown incident status"),
        ({"impact": "apocalyptic"}, "unknown impact"),
        ({"status": "resolved"}, "already over needs started_at"),
        (
            {
                "resolved_at": T("2026-05-01T00:00:00+00:00"),
                "started_at": T("2026-05-02T00:00:00+00:00"),
            },
            "resolved_at",
        ),
    ],
)
def test_bad_incidents_are_refused_with_the_reason(status, kwargs, message):
    status.clock.set(T("2026-06-10T12:00:00+00:00"))
    with pytest.raises(ServiceError, match=message):
        open_incident(status.page, name="x", body="y", **kwargs)


def test_an_incident_cannot_declare_maintenance(status):
    with pytest.raises(ServiceError, match="maintenance is scheduled"):
        open_incident(
            status.page, name="x", body="y", components={status.api.pk: "under_maintenance"}
        )


def test_no_update_after_the_postmortem(status):
    incident = open_incident(
        status.page, name="x", body="y", components={status.api.pk: "major_outage"}
    )
    status.clock.set(status.clock.at + timedelta(minutes=5))
    post_update(incident, status="resolved", body="fixed")
    publish_postmortem(incident, body="pm")
    with pytest.raises(ServiceError, match="postmortem"):
        post_update(incident, status="investigating", body="again?")
