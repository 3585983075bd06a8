"""The desk's mail quarantine: agents see held mail, read it raw, retry or accept it."""

from __future__ import annotations

import pytest

from sladesk.intake.models import InboundAddress, InboundMessage, InboundState
from sladesk.intake.pipeline import process_pending
from sladesk.intake.store import store_raw
from sladesk.tickets.models import Ticket
from support.mail import DOMAIN, build_mail

pytestmark = pytest.mark.django_db


def _held(**kw) -> InboundMessage:
    """Store and process one message; it must end quarantined."""
    raw = build_mail(**kw)
    row = store_raw(
        raw, envelope_from=kw.get("sender", ""), envelope_to=[kw.get("to", f"acme@{DOMAIN}")]
    )
    process_pending()
    row.refresh_from_db()
    assert row.state == InboundState.QUARANTINED, row.reason
    return row


@pytest.fixture
def stranger(settings, acme) -> InboundMessage:
    settings.SLADESK_EMAIL = {"domains": DOMAIN}
    return _held(
        sender="mallory@elsewhere.example",
        subject="Please call me",
        message_id="<held-1@elsewhere.example>",
    )


def test_agents_see_held_mail_with_reason_sender_subject_and_received(
    client, agent, stranger, query_count
):
    # given two more held messages
    _held(sender="eve@elsewhere.example", subject="Second", message_id="<held-2@elsewhere.example>")
    _held(
        sender="jane@acme.example",
        to=f"nobody@{DOMAIN}",
        subject="Unrouted",
        message_id="<held-3@acme.example>",
    )
    client.force_login(agent)
    # when the agent opens the quarantine: a fixed number of queries however many rows
    with query_count("quarantine, first page view, 3 held"):
        page = client.get("/desk/mail/quarantine/")
    # then every held message is listed with its reason, sender, subject and time, newest first
    assert page.status_code == 200
    rows = page.context["rows"]
    assert [r["subject"] for r in rows] == ["Unrouted", "Second", "Please call me"]
    html = page.content.decode()
    assert "mallory@elsewhere.example" in html and "is not one of its domains" in html
    assert "not sent to a routed address" in html
    assert 'href="/desk/mail/quarantine/"' in client.get("/desk/").content.decode()  # the nav link


def test_the_list_costs_the_same_queries_for_one_or_many_rows(
    client, agent, stranger, query_count, django_assert_num_queries
):
    client.force_login(agent)
    client.get("/desk/mail/quarantine/")  # warm the session and the caches
    with query_count("quarantine, 1 held") as one:
        client.get("/desk/mail/quarantine/")
    for i in range(5):
        _held(sender=f"x{i}@elsewhere.example", message_id=f"<many-{i}@elsewhere.example>")
    with django_assert_num_queries(len(one.captured_queries)):
        client.get("/desk/mail/quarantine/")


def test_the_raw_message_is_shown_as_text_exactly_as_received(client, agent, stranger):
    client.force_login(agent)
    response = client.get(f"/desk/mail/{stranger.pk}/raw/")
    assert response.status_code == 200
    assert (
        response["Content-Type"].startswith("text/plain")
        and response["X-Content-Type-Options"] == "nosniff"
    )
    assert response.content == bytes(InboundMessage.objects.get(pk=stranger.pk).raw)


def test_retry_after_adding_the_contact_opens_the_ticket(
    client, agent, stranger, make_contact, acme
):
    # given the agent adds the sender as a contact
    make_contact(acme, "mallory@elsewhere.example")
    client.force_login(agent)
    # when retrying from the desk
    response = client.post(
        f"/desk/mail/{stranger.pk}/retry/", {"state": "quarantined"}, follow=True
    )
    # then the mail is on a new ticket and the page says so
    row = InboundMessage.objects.get(pk=stranger.pk)
    assert (
        row.state == InboundState.TICKET
        and Ticket.objects.get(pk=row.ticket_id).subject == "Please call me"
    )
    assert f"now on ticket #{row.ticket_id}" in response.content.decode()
    assert response.context["rows"] == []


def test_retry_without_a_fix_keeps_it_held_and_says_why(client, agent, stranger):
    client.force_login(agent)
    response = client.post(f"/desk/mail/{stranger.pk}/retry/", follow=True)
    assert InboundMessage.objects.get(pk=stranger.pk).state == InboundState.QUARANTINED
    assert "still quarantined" in response.content.decode()


def test_create_ticket_accepts_the_sender_as_a_contact(client, agent, stranger, acme):
    client.force_login(agent)
    client.post(f"/desk/mail/{stranger.pk}/accept/")
    row = InboundMessage.objects.get(pk=stranger.pk)
    assert row.state == InboundState.TICKET
    ticket = Ticket.objects.get(pk=row.ticket_id)
    assert ticket.organization == acme and ticket.requester.email == "mallory@elsewhere.example"


def test_create_ticket_for_unrouted_mail_takes_the_chosen_organization(
    client, agent, settings, acme, make_org
):
    # given mail to an address no route knows, and a second organization
    settings.SLADESK_EMAIL = {"domains": DOMAIN}
    row = _held(
        sender="sam@bright.example",
        to=f"nobody@{DOMAIN}",
        subject="Lost",
        message_id="<lost@bright.example>",
    )
    bright = make_org("houseware", name="Bright")
    client.force_login(agent)
    assert 'name="organization"' in client.get("/desk/mail/quarantine/").content.decode()
    # when the agent creates the ticket for Bright
    client.post(f"/desk/mail/{row.pk}/accept/", {"organization": str(bright.pk)})
    # then it is Bright's ticket, from a new contact
    row.refresh_from_db()
    assert (
        row.state == InboundState.TICKET
        and Ticket.objects.get(pk=row.ticket_id).organization == bright
    )
    # and a bad organization value is refused with a clear message
    other = _held(sender="kim@x.example", to=f"nobody@{DOMAIN}", message_id="<lost2@x.example>")
    page = client.post(f"/desk/mail/{other.pk}/accept/", {"organization": "acme"}, follow=True)
    assert "organization must be an id" in page.content.decode()
    assert InboundMessage.objects.get(pk=other.pk).state == InboundState.QUARANTINED


def test_the_organization_choices_are_rendered_once_and_shown_in_every_row_needing_them(
    client, agent, settings, acme, make_org
):
    from django.test.signals import template_rendered

    # given three unrouted held mails and an organization whose name needs escaping
    settings.SLADESK_EMAIL = {"domains": DOMAIN}
    for i in range(3):
        _held(sender=f"s{i}@x.example", to=f"nobody@{DOMAIN}", message_id=f"<u{i}@x.example>")
    make_org("houseware", name="Bright <&> Co")
    client.force_login(agent)
    # when the list is rendered
    rendered: list[str] = []

    def seen(sender, template, context, **kwargs):
        rendered.append(template.name)

    template_rendered.connect(seen)
    try:
        page = client.get("/desk/mail/quarantine/").content.decode()
    finally:
        template_rendered.disconnect(seen)
    # then each row offers every organization, escaped, from one rendering of the options
    assert page.count("Bright &lt;&amp;&gt; Co</option>") == 3
    assert page.count(f'<option value="{acme.pk}">') == 3
    assert rendered.count("desk/_organization_options.html") == 1


def test_ignored_mail_is_listed_apart(client, agent, settings, acme):
    settings.SLADESK_EMAIL = {"domains": DOMAIN}
    store_raw(
        build_mail(subject="Out of office", headers={"Auto-Submitted": "auto-replied"}),
        envelope_to=[f"acme@{DOMAIN}"],
    )
    process_pending()
    client.force_login(agent)
    assert client.get("/desk/mail/quarantine/").context["rows"] == []
    rows = client.get("/desk/mail/quarantine/?state=ignored").context["rows"]
    assert [r["subject"] for r in rows] == ["Out of office"] and "auto-replied" in rows[0]["reason"]


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "/desk/mail/quarantine/"),
        ("get", "/desk/mail/{id}/raw/"),
        ("post", "/desk/mail/{id}/retry/"),
        ("post", "/desk/mail/{id}/accept/"),
    ],
)
def test_contacts_get_404_and_change_nothing(client, stranger, make_contact, acme, method, path):
    contact = make_contact(acme, "boss@acme.example", login=True)
    client.force_login(contact.user)
    response = getattr(client, method)(path.format(id=stranger.pk))
    assert response.status_code == 404
    assert InboundMessage.objects.get(pk=stranger.pk).state == InboundState.QUARANTINED


def test_anonymous_visitors_are_sent_to_sign_in(client, stranger):
    response = client.get("/desk/mail/quarantine/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_unknown_mail_is_404_for_agents(client, agent, db):
    client.force_login(agent)
    assert client.get("/desk/mail/999999/raw/").status_code == 404
    assert client.post("/desk/mail/999999/retry/").status_code == 404
    assert InboundAddress.objects.count() == 0
