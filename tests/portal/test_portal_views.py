"""Customer portal pages: organization isolation, the policy-shaped new-ticket form,
reply with files, escalation, query counts."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sladesk.tickets import services
from sladesk.tickets.models import Attachment, EventKind, Message, SlaClock, Ticket, TicketEvent

pytestmark = pytest.mark.django_db
T = datetime.fromisoformat


def test_agents_cannot_use_the_portal(client, ui):
    client.force_login(ui.agent)
    assert client.get("/portal/").status_code == 403


def test_contact_sees_only_its_organizations_tickets(client, ui):
    client.force_login(ui.acme_contact.user)
    page = client.get("/portal/")
    assert [t.pk for t, _ in page.context["rows"]] == [ui.acme_ticket.pk]
    assert client.get(f"/portal/tickets/{ui.acme_ticket.pk}/").status_code == 200


@pytest.mark.parametrize("suffix", ["", "reply/", "escalate/"])
def test_another_organizations_ticket_is_404(client, ui, suffix):
    client.force_login(ui.acme_contact.user)
    url = f"/portal/tickets/{ui.bright_ticket.pk}/{suffix}"
    response = client.post(url, {"body": "x", "reason": "x"}) if suffix else client.get(url)
    assert response.status_code == 404
    assert Message.objects.filter(ticket=ui.bright_ticket).count() == 1


def test_portal_ticket_hides_internal_notes_and_shows_due_in_the_contacts_zone(client, ui):
    services.add_note(ui.acme_ticket, author=ui.agent, body="secret triage note")
    client.force_login(ui.acme_contact.user)
    html = client.get(f"/portal/tickets/{ui.acme_ticket.pk}/").content.decode()
    assert "secret triage note" not in html
    assert "Fri 27 Nov 2026, 12:30 PST" in html  # Acme's zone: America/Los_Angeles
    ui.acme_contact.timezone = "Europe/Berlin"
    ui.acme_contact.save()
    html = client.get(f"/portal/tickets/{ui.acme_ticket.pk}/").content.decode()
    assert "Fri 27 Nov 2026, 21:30 CET" in html


def test_new_ticket_form_offers_the_policys_priorities_with_descriptions(client, ui):
    client.force_login(ui.acme_contact.user)
    form = client.get("/portal/new/").context["form"]
    assert [key for key, _, _ in form.levels] == ["P1", "P2", "P3", "P4"]
    assert "fleet" in form.levels[0][2]
    assert {"cf_device_os_supported", "cf_device_os_version", "cf_environment"} <= set(form.fields)


def test_houseware_customers_get_no_priority_choice(client, ui):
    client.force_login(ui.bright_contact.user)
    form = client.get("/portal/new/").context["form"]
    assert "priority" not in form.fields and form.levels == []
    response = client.post(
        "/portal/new/", {"subject": "Export", "description": "CSV?", "priority": "P0"}
    )
    ticket = Ticket.objects.get(subject="Export")
    assert response["Location"] == f"/portal/tickets/{ticket.pk}/"
    assert ticket.priority == "P2"  # the team sets it; the default applies


def test_submitting_a_p2_ticket_opens_it_with_its_due_time(client, ui):
    client.force_login(ui.acme_contact.user)
    response = client.post(
        "/portal/new/",
        {
            "subject": "Boron offline",
            "description": "since 9:00",
            "priority": "P2",
            "cf_device_os_supported": "yes",
            "cf_device_os_version": "5.8.0",
            "cf_environment": "production",
            "files": SimpleUploadedFile("log.txt", b"trace", content_type="text/plain"),
        },
    )
    ticket = Ticket.objects.get(subject="Boron offline")
    assert (ticket.priority, ticket.requester, ticket.channel) == ("P2", ui.acme_contact, "web")
    assert ticket.custom_fields == {
        "device_os_supported": True,
        "device_os_version": "5.8.0",
        "environment": "production",
    }
    assert Attachment.objects.get(message__ticket=ticket).filename == "log.txt"
    page = client.get(response["Location"])
    assert b"Fri 27 Nov 2026, 12:30 PST" in page.content


def test_the_policys_rules_apply_to_what_the_customer_says(client, ui):
    client.force_login(ui.acme_contact.user)
    client.post(
        "/portal/new/",
        {"subject": "Old OS", "description": "x", "priority": "P1", "cf_device_os_supported": "no"},
    )
    ticket = Ticket.objects.get(subject="Old OS")
    assert ticket.priority == "P2" and "unsupported-device-os" in {
        t.name for t in ticket.tags.all()
    }


def test_a_priority_lowered_by_a_rule_says_why_on_the_spot_and_on_the_ticket(client, ui):
    # given a customer asking P1 for an unsupported Device OS
    client.force_login(ui.acme_contact.user)
    page = client.post(
        "/portal/new/",
        {"subject": "Old OS", "description": "x", "priority": "P1", "cf_device_os_supported": "no"},
        follow=True,
    ).content.decode()
    # then the page they land on says it was opened as P2 and why, not silently
    assert "Your ticket was opened as P2, not P1: " in page
    assert "unsupported Device OS" in page
    # and the ticket keeps saying it
    ticket = Ticket.objects.get(subject="Old OS")
    again = client.get(f"/portal/tickets/{ticket.pk}/").content.decode()
    assert "Opened as P2, not P1" in again


def test_invalid_new_ticket_shows_errors(client, ui):
    client.force_login(ui.acme_contact.user)
    response = client.post("/portal/new/", {"subject": "", "description": "x", "priority": "P9"})
    assert response.status_code == 400 and Ticket.objects.count() == 2
    assert response.context["form"].errors.keys() >= {"subject", "priority"}


def test_reply_with_attachment_and_who_may_download_it(client, ui):
    client.force_login(ui.acme_contact.user)
    ui.now.set(T("2026-11-25T17:00:00-08:00"))
    client.post(
        f"/portal/tickets/{ui.acme_ticket.pk}/reply/",
        {"body": "logs attached", "files": SimpleUploadedFile("a.log", b"abc")},
    )
    message = Message.objects.filter(ticket=ui.acme_ticket).latest("id")
    assert (message.from_customer, message.body_text) == (True, "logs attached")
    att = Attachment.objects.get(message=message)
    assert client.get(f"/portal/attachments/{att.pk}/").status_code == 200
    client.force_login(ui.bright_contact.user)
    assert client.get(f"/portal/attachments/{att.pk}/").status_code == 404
    client.force_login(ui.agent)
    assert client.get(f"/desk/attachments/{att.pk}/").status_code == 200


def test_escalation_climbs_houseware_ladder_with_a_reason(client, ui):
    client.force_login(ui.bright_contact.user)
    url = f"/portal/tickets/{ui.bright_ticket.pk}/escalate/"
    client.post(url, {"reason": "no answer for a day"})
    ticket = Ticket.objects.get(pk=ui.bright_ticket.pk)
    assert ticket.escalation_level == 1
    assert ticket.escalation_role == "Customer Happiness Manager"
    event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.ESCALATION).get()
    assert event.actor_user == ui.bright_contact.user
    assert event.data == {
        "level": 1,
        "role": "Customer Happiness Manager",
        "reason": "no answer for a day",
    }
    for _ in range(3):
        page = client.post(url, {"reason": "still nothing"}, follow=True)
    assert b"top of the escalation ladder" in page.content
    ticket.refresh_from_db()
    assert ticket.escalation_level == 3  # the ladder has three steps
    assert ticket.escalation_role == "Chief Executive Officer"


def test_portal_list_query_count_does_not_grow(
    client, ui, query_count, django_assert_max_num_queries
):
    client.force_login(ui.acme_contact.user)
    client.get("/portal/")
    with query_count("ticket list, 1 ticket") as few:
        client.get("/portal/")
    for i in range(15):
        services.open_ticket(
            organization=ui.acme, requester=ui.acme_contact, subject=f"n{i}", description="x"
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/portal/")
    assert SlaClock.objects.filter(ticket__organization=ui.acme).count() >= 32
