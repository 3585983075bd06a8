"""From the desk: a P0/P1/Sev1/urgent ticket declares an incident; others link to one."""

from __future__ import annotations

import pytest

from sladesk.status.models import Incident, StatusPage, TicketIncident
from sladesk.status.services import create_component
from sladesk.tickets import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(make_org, make_contact, agent, frozen_now):
    org = make_org("particle-enterprise", region="na", name="Acme")
    page = StatusPage.objects.create(slug="particle", name="Particle", is_default=True)
    cloud = create_component(page, name="Device Service")
    contact = make_contact(org)
    p1 = services.open_ticket(
        organization=org,
        requester=contact,
        subject="Fleet offline",
        description="all devices",
        priority="P1",
        actor=agent,
    )
    p3 = services.open_ticket(
        organization=org,
        requester=contact,
        subject="Billing question",
        description="?",
        priority="P3",
        actor=agent,
    )
    return page, cloud, p1, p3


def test_a_p1_ticket_declares_an_incident_from_the_desk(client, agent, setup):
    page, cloud, p1, _ = setup
    client.force_login(agent)
    html = client.get(f"/desk/tickets/{p1.pk}/").content.decode()
    assert "Declare incident" in html
    response = client.post(
        f"/desk/tickets/{p1.pk}/incident/",
        {
            "page": page.pk,
            "name": "Device Service outage",
            "component": [cloud.pk],
            "component_status": "major_outage",
        },
        follow=True,
    )
    assert "declared on Particle" in response.content.decode()
    incident = Incident.objects.get()
    assert TicketIncident.objects.get(ticket=p1).incident == incident
    cloud.refresh_from_db()
    assert cloud.status == "major_outage"


def test_a_p3_ticket_may_only_link_to_an_open_incident(client, agent, setup):
    page, cloud, p1, p3 = setup
    client.force_login(agent)
    html = client.get(f"/desk/tickets/{p3.pk}/").content.decode()
    assert "Declare incident" not in html
    refused = client.post(f"/desk/tickets/{p3.pk}/incident/", {"page": page.pk}, follow=True)
    assert "most urgent priority" in refused.content.decode()
    assert not Incident.objects.exists()
    client.post(f"/desk/tickets/{p1.pk}/incident/", {"page": page.pk, "component": [cloud.pk]})
    incident = Incident.objects.get()
    linked = client.post(
        f"/desk/tickets/{p3.pk}/incident/link/", {"incident": incident.public_id}, follow=True
    )
    assert "the requester is told when it is resolved" in linked.content.decode()
    assert TicketIncident.objects.filter(incident=incident).count() == 2
