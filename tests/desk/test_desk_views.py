"""Agent desk pages: who may open them, what the forms call, how many queries they cost."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core import mail

from sladesk.tickets import services
from sladesk.tickets.models import EventKind, Message, SlaClock, Ticket, TicketEvent

T = datetime.fromisoformat
pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ access and sign-in
def test_anonymous_visitors_are_sent_to_the_one_sign_in_page(client, ui):
    response = client.get("/desk/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/desk/")


@pytest.mark.parametrize(
    "path", ["/desk/", "/desk/tickets/{id}/", "/desk/settings/", "/desk/inbox/list/"]
)
def test_contacts_cannot_use_the_desk(client, ui, path):
    client.force_login(ui.acme_contact.user)
    assert client.get(path.format(id=ui.acme_ticket.pk)).status_code == 403


def test_sign_in_lands_agents_in_the_desk_and_contacts_in_the_portal(client, ui):
    response = client.post("/accounts/login/", {"username": "alice", "password": "pw"})
    assert response["Location"] == "/desk/"
    client.logout()
    response = client.post(
        "/accounts/login/", {"username": ui.acme_contact.user.username, "password": "pw"}
    )
    assert response["Location"] == "/portal/"
    assert client.get("/")["Location"] == "/portal/"


def test_password_reset_mails_a_link_that_sets_a_new_password(client, ui):
    response = client.post("/accounts/password-reset/", {"email": ui.acme_contact.email})
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/reset/" in line)
    path = link.split("testserver", 1)[1]
    form = client.get(path, follow=True)
    assert form.status_code == 200 and b"new_password1" in form.content
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "n3w-Secret!x", "new_password2": "n3w-Secret!x"},
    )
    assert done["Location"] == "/accounts/reset/done/"
    assert client.login(username=ui.acme_contact.user.username, password="n3w-Secret!x")


def test_settings_are_for_admins_only(client, ui):
    client.force_login(ui.agent)
    assert client.get("/desk/settings/").status_code == 403
    client.force_login(ui.admin)
    page = client.get("/desk/settings/")
    assert page.status_code == 200 and b"houseware" in page.content and b"Bright" in page.content
    for path in (
        "/desk/settings/teams/",
        "/desk/settings/agents/",
        "/desk/settings/policies/houseware/",
    ):
        assert client.get(path).status_code == 200


def test_policy_page_validates_an_edited_text_without_saving(client, ui):
    client.force_login(ui.admin)
    bad = client.post("/desk/settings/policies/houseware/", {"text": "name: x\npriorities: 3\n"})
    assert b"Invalid" in bad.content
    good_text = client.get("/desk/settings/policies/houseware/").context["text"]
    good = client.post("/desk/settings/policies/houseware/", {"text": good_text})
    assert b"Valid policy." in good.content


# ------------------------------------------------------------------ inbox
def test_inbox_counts_views_and_shows_the_most_urgent_clock(client, ui):
    # given both tickets unassigned; alice takes Acme's
    services.assign(ui.acme_ticket, assignee=ui.agent, team=ui.team, actor=ui.agent)
    client.force_login(ui.agent)
    page = client.get("/desk/")
    views = {key: count for key, _, count in page.context["views"]}
    assert views == {"mine": 1, "team": 1, "unassigned": 1, "breaching": 0, "breached": 0, "all": 2}
    # rows sorted by next due: Acme P2 first response (4 business hours) before Houseware's 48 h
    subjects = [row.ticket.subject for row in page.context["rows"]]
    assert subjects == ["Cellular reconnects", "Dashboards slow"]
    badge = page.context["rows"][0].badge
    assert (badge.metric, badge.colour) == ("first_response", "ok")
    assert b'data-due="' in page.content and b"every 10s" in page.content


def test_breaching_soon_and_breached_views_follow_the_clock(client, ui):
    client.force_login(ui.agent)
    # P2 first response: 4 business hours from Wed 16:30 PST = 30 min Wed, Thu closed
    # (Thanksgiving), 3 h 30 min Fri → due Fri 27 Nov 12:30; warn at 75 % = Fri 11:30.
    # Houseware P2: 48 h around the clock → due Fri 16:30 PST, warn 36 h → Fri 04:30 PST.
    ui.now.set(T("2026-11-27T04:00:00-08:00"))
    assert client.get("/desk/?view=breaching").context["rows"] == []
    ui.now.set(T("2026-11-27T11:45:00-08:00"))
    page = client.get("/desk/?view=breaching")
    assert [r.ticket.pk for r in page.context["rows"]] == [ui.acme_ticket.pk, ui.bright_ticket.pk]
    assert [r.badge.colour for r in page.context["rows"]] == ["warn", "warn"]
    ui.now.set(T("2026-11-27T12:31:00-08:00"))
    page = client.get("/desk/?view=breached")
    assert [r.ticket.pk for r in page.context["rows"]] == [ui.acme_ticket.pk]
    assert page.context["rows"][0].badge.colour == "breached"
    assert b"row-breached" in page.content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("priority=P2", {"Cellular reconnects", "Dashboards slow"}),
        ("organization={acme}", {"Cellular reconnects"}),
        ("q=dashboards", {"Dashboards slow"}),
        ("q=%23{acme_ticket}", {"Cellular reconnects"}),
        ("channel=email", set()),
        ("status=new", {"Cellular reconnects", "Dashboards slow"}),
        ("tag=nothing", set()),
    ],
)
def test_inbox_filters(client, ui, query, expected):
    client.force_login(ui.agent)
    query = query.format(acme=ui.acme.pk, acme_ticket=ui.acme_ticket.pk)
    page = client.get(f"/desk/?view=all&{query}")
    assert {r.ticket.subject for r in page.context["rows"]} == expected


def test_inbox_list_partial_is_only_the_list(client, ui):
    client.force_login(ui.agent)
    response = client.get("/desk/inbox/list/?view=all", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b'id="inbox-list"' in response.content and b"<html" not in response.content


def _more_tickets(ui, n):
    for i in range(n):
        ticket = services.open_ticket(
            organization=ui.acme,
            requester=ui.acme_contact,
            subject=f"extra {i}",
            description="x",
            priority="P3",
            tags=[f"t{i}"],
        )
        services.assign(ticket, assignee=ui.agent, team=ui.team, actor=ui.agent)


def test_inbox_query_count_does_not_grow_with_tickets(
    client, ui, query_count, django_assert_max_num_queries
):
    client.force_login(ui.agent)
    client.get("/desk/")  # warm the session and the policy caches
    _more_tickets(ui, 3)
    with query_count("inbox, all view, 5 tickets") as small:
        client.get("/desk/?view=all")
    _more_tickets(ui, 20)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get("/desk/?view=all")
    assert len(page.context["rows"]) == 25


# ------------------------------------------------------------------ ticket page
def test_ticket_page_shows_conversation_notes_clocks_and_timeline(client, ui):
    services.add_note(
        ui.acme_ticket, author=ui.agent, body="check the <b>SIM</b> <script>x</script>"
    )
    client.force_login(ui.agent)
    page = client.get(f"/desk/tickets/{ui.acme_ticket.pk}/")
    html = page.content.decode()
    assert 'class="message note"' in html and "<script>x</script>" not in html
    assert "America/Los_Angeles" in html  # the agent's zone is named
    clocks = {row["status"].metric: row for row in page.context["clocks"]}
    assert set(clocks) == {"first_response", "resolution"}
    assert clocks["first_response"]["status"].due_at == T("2026-11-27T12:30:00-08:00")
    assert "Thanksgiving" in clocks["first_response"]["status"].explanation
    assert "Fri 27 Nov 2026, 12:30 PST" in html and "in 44 h" in html
    assert any("opened at P2" in text for _, text in page.context["events"])


def test_ticket_page_query_count_does_not_grow_with_messages(
    client, ui, query_count, django_assert_max_num_queries
):
    client.force_login(ui.agent)
    url = f"/desk/tickets/{ui.acme_ticket.pk}/"
    client.get(url)
    services.reply(ui.acme_ticket, author=ui.agent, body="one")
    with query_count("ticket page, 1 reply") as few:
        client.get(url)
    for i in range(10):
        services.add_note(ui.acme_ticket, author=ui.bob, body=f"note {i}")
        services.reply(ui.acme_ticket, author=ui.acme_contact, body=f"customer {i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


def test_another_agents_ticket_is_404_only_when_it_does_not_exist(client, ui):
    client.force_login(ui.agent)
    assert client.get("/desk/tickets/999999/").status_code == 404
    assert client.get(f"/desk/tickets/{ui.bright_ticket.pk}/").status_code == 200


def test_reply_form_calls_the_reply_service_and_meets_first_response(client, ui):
    client.force_login(ui.agent)
    response = client.post(
        f"/desk/tickets/{ui.acme_ticket.pk}/message/", {"body": "On it", "kind": "reply"}
    )
    assert response.status_code == 302
    message = Message.objects.filter(ticket=ui.acme_ticket).latest("id")
    assert (message.public, message.author_user, message.body_text) == (True, ui.agent, "On it")
    assert SlaClock.objects.get(ticket=ui.acme_ticket, metric="first_response").state == "met"


def test_note_form_adds_an_internal_note(client, ui):
    client.force_login(ui.agent)
    client.post(f"/desk/tickets/{ui.acme_ticket.pk}/message/", {"body": "internal", "kind": "note"})
    assert Message.objects.filter(
        ticket=ui.acme_ticket, public=False, body_text="internal"
    ).exists()


def test_priority_change_needs_a_reason_and_retargets_the_clocks(client, ui):
    client.force_login(ui.agent)
    url = f"/desk/tickets/{ui.acme_ticket.pk}/priority/"
    refused = client.post(url, {"priority": "P1", "reason": ""}, follow=True)
    assert Ticket.objects.get(pk=ui.acme_ticket.pk).priority == "P2"
    assert b"reason" in refused.content
    client.post(url, {"priority": "P1", "reason": "whole fleet down"})
    assert Ticket.objects.get(pk=ui.acme_ticket.pk).priority == "P1"
    event = TicketEvent.objects.get(ticket=ui.acme_ticket, kind=EventKind.PRIORITY)
    assert event.data["reason"] == "whole fleet down"
    # P1 first response: 1 hour in calendar time from the ticket's start
    due = SlaClock.objects.get(ticket=ui.acme_ticket, metric="first_response").due_at
    assert due == T("2026-11-25T17:30:00-08:00")


def test_status_assign_and_fields_forms_call_their_services(client, ui):
    client.force_login(ui.agent)
    base = f"/desk/tickets/{ui.acme_ticket.pk}"
    client.post(f"{base}/assign/", {"team": ui.team.pk, "assignee": ui.bob.pk})
    client.post(f"{base}/status/", {"status": "pending", "reason": "waiting for logs"})
    client.post(
        f"{base}/fields/", {"tags": "sim, lte", "custom_fields": "device_os_version: 5.8.0"}
    )
    ticket = Ticket.objects.get(pk=ui.acme_ticket.pk)
    assert (ticket.assignee, ticket.team, ticket.status) == (ui.bob, ui.team, "pending")
    assert sorted(t.name for t in ticket.tags.all()) == ["lte", "sim"]
    assert ticket.custom_fields == {"device_os_version": "5.8.0"}
    bad = client.post(f"{base}/status/", {"status": "closed"}, follow=True)
    assert b"Select a valid choice" in bad.content


def test_writes_need_post(client, ui):
    client.force_login(ui.agent)
    assert client.get(f"/desk/tickets/{ui.acme_ticket.pk}/message/").status_code == 405


def test_collision_notice_when_another_agent_is_replying(client, ui):
    from sladesk.desk import presence

    presence.cache.clear()
    url = f"/desk/tickets/{ui.acme_ticket.pk}/presence/"
    client.force_login(ui.bob)
    client.post(url, {"replying": "1"})
    client.force_login(ui.agent)
    response = client.post(url, {"replying": "0"})
    assert b"Bob is replying" in response.content
    # and the entry expires without heartbeats
    later = presence.time.time() + presence.TTL + 1
    assert presence.others(ui.acme_ticket.pk, ui.agent.pk, at=later) == []


def test_clock_panel_partial_turns_red_after_the_due_instant(client, ui):
    client.force_login(ui.agent)
    url = f"/desk/tickets/{ui.acme_ticket.pk}/clocks/"
    assert b'data-state="ok"' in client.get(url).content
    ui.now.set(T("2026-11-27T12:30:00-08:00") + timedelta(seconds=1))
    assert b'data-state="breached"' in client.get(url).content


# ------------------------------------------------------------------ pages
def test_an_open_page_is_acknowledged_from_the_ticket_page(client, ui):
    from django.test import Client

    from sladesk.notify.models import Page, Timer

    # given a P1 (Particle pages on-call on creation) with its repeat timer pending
    ticket = services.open_ticket(
        organization=ui.acme,
        requester=ui.acme_contact,
        subject="Fleet down",
        description="d",
        priority="P1",
    )
    page = Page.objects.get(ticket=ticket)
    url = f"/desk/tickets/{ticket.pk}/pages/{page.pk}/ack/"
    # then the ticket page shows it with an Acknowledge button posting to its URL
    client.force_login(ui.agent)
    html = client.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "On-call paged" in html and f'action="{url}"' in html and ">Acknowledge</button>" in html
    # and only an agent's POST with the CSRF token acknowledges
    assert client.get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ui.agent)
    assert strict.post(url).status_code == 403
    customer = Client()
    customer.force_login(ui.acme_contact.user)
    customer.post(url)
    assert Page.objects.get(pk=page.pk).state == "triggered"
    # when the agent acknowledges
    done = client.post(url, follow=True)
    # then the page is acknowledged by them from the desk, its repeats stop, the log says so
    page.refresh_from_db()
    assert (page.state, page.acknowledged_by, page.acknowledged_via) == (
        "acknowledged",
        ui.agent,
        "desk",
    )
    assert not Timer.objects.filter(page=page, state="pending").exists()
    assert ticket.events.get(kind="page", data__action="acknowledged").actor_user == ui.agent
    assert (
        b"acknowledged: its repeats stop" in done.content and b"On-call paged" not in done.content
    )
    # and a second POST changes nothing
    again = client.post(url, follow=True)
    assert b"already acknowledged" in again.content
    assert ticket.events.filter(kind="page", data__action="acknowledged").count() == 1


def test_a_page_of_another_ticket_is_404(client, ui):
    from sladesk.notify.pages import page_oncall

    page = page_oncall(ui.bright_ticket, "test")
    client.force_login(ui.agent)
    assert client.post(f"/desk/tickets/{ui.acme_ticket.pk}/pages/{page.pk}/ack/").status_code == 404


def test_polled_clock_panel_does_not_read_the_conversation(client, ui):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(ui.agent)
    url = f"/desk/tickets/{ui.acme_ticket.pk}/clocks/"
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if "tickets_message" in q["sql"]]
