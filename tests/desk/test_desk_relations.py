"""Desk ticket page: merge, split, link, files on replies, the original email; who may see what."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sladesk.intake.models import InboundAddress, InboundMessage
from sladesk.intake.pipeline import process
from sladesk.intake.store import store_raw
from sladesk.tickets import services
from sladesk.tickets.models import Attachment, Message, SlaClock, Status, Ticket, TicketLink
from support.mail import build_mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def second(ui):
    """A second Acme ticket, opened a minute after the first."""
    from datetime import timedelta

    ui.now.set(ui.now.at + timedelta(minutes=1))
    return services.open_ticket(
        organization=ui.acme,
        requester=ui.acme_contact,
        subject="LTE drops",
        description="since Monday",
        priority="P2",
    )


def _page(client, ticket):
    return client.get(f"/desk/tickets/{ticket.pk}/")


# ------------------------------------------------------------------ merge
def test_merge_form_merges_and_lands_on_the_target(client, ui, second):
    client.force_login(ui.agent)
    response = client.post(
        f"/desk/tickets/{second.pk}/merge/",
        {"into": f"#{ui.acme_ticket.pk}", "notify_requester": "on"},
    )
    assert response["Location"] == f"/desk/tickets/{ui.acme_ticket.pk}/"
    merged = Ticket.objects.get(pk=second.pk)
    assert merged.status == Status.CLOSED
    assert {c.state for c in SlaClock.objects.filter(ticket=merged)} == {"cancelled"}
    # the target shows the moved message marked with its origin, and the link
    page = _page(client, ui.acme_ticket).content.decode()
    assert (
        "since Monday" in page
        and f'from <a href="/desk/tickets/{second.pk}/">#{second.pk}</a>' in page
    )
    assert 'data-relation="merged from"' in page
    # the source says where it went and offers no more merge/split
    source = _page(client, merged).content.decode()
    assert "Merged into" in source and 'id="merge-form"' not in source
    # its requester sees the public note in the portal; Bright's contact cannot see either ticket
    client.force_login(ui.acme_contact.user)
    portal_source = client.get(f"/portal/tickets/{second.pk}/").content.decode()
    assert "has been merged into" in portal_source
    assert f'merged into <a href="/portal/tickets/{ui.acme_ticket.pk}/">' in portal_source
    portal_target = client.get(f"/portal/tickets/{ui.acme_ticket.pk}/").content.decode()
    assert "since Monday" in portal_target and f"from #{second.pk}" in portal_target
    client.force_login(ui.bright_contact.user)
    for pk in (second.pk, ui.acme_ticket.pk):
        assert client.get(f"/portal/tickets/{pk}/").status_code == 404


def test_merge_across_organizations_shows_the_error_and_changes_nothing(client, ui):
    client.force_login(ui.agent)
    page = client.post(
        f"/desk/tickets/{ui.bright_ticket.pk}/merge/", {"into": ui.acme_ticket.pk}, follow=True
    )
    assert b"only tickets of the same organization can be merged" in page.content
    assert Ticket.objects.get(pk=ui.bright_ticket.pk).status == Status.NEW
    bad = client.post(f"/desk/tickets/{ui.bright_ticket.pk}/merge/", {"into": "abc"}, follow=True)
    assert b"is not a ticket number" in bad.content
    missing = client.post(
        f"/desk/tickets/{ui.bright_ticket.pk}/merge/", {"into": "999999"}, follow=True
    )
    assert b"there is no ticket #999999" in missing.content


@pytest.mark.parametrize("action", ["merge", "split", "link", "unlink"])
def test_contacts_cannot_use_the_desk_actions(client, ui, action):
    client.force_login(ui.acme_contact.user)
    response = client.post(f"/desk/tickets/{ui.acme_ticket.pk}/{action}/", {"into": 1, "other": 1})
    assert response.status_code == 403
    assert not TicketLink.objects.exists()


# ------------------------------------------------------------------ split
def test_split_form_moves_the_ticked_message_to_a_new_ticket(client, ui):
    question = services.reply(ui.acme_ticket, author=ui.acme_contact, body="and billing?")
    client.force_login(ui.agent)
    page = _page(client, ui.acme_ticket).content.decode()
    assert f'name="messages" value="{question.pk}" form="split-form"' in page
    response = client.post(
        f"/desk/tickets/{ui.acme_ticket.pk}/split/",
        {"messages": [question.pk], "subject": "Billing"},
    )
    new = Ticket.objects.get(subject="Billing")
    assert response["Location"] == f"/desk/tickets/{new.pk}/"
    assert Message.objects.get(pk=question.pk).ticket_id == new.pk
    assert 'data-relation="split from"' in _page(client, new).content.decode()
    assert 'data-relation="split off"' in _page(client, ui.acme_ticket).content.decode()
    nothing = client.post(f"/desk/tickets/{ui.acme_ticket.pk}/split/", {}, follow=True)
    assert b"Tick the messages to split off." in nothing.content


# ------------------------------------------------------------------ links
def test_link_forms_relate_tickets_on_both_pages_across_organizations(client, ui):
    client.force_login(ui.agent)
    client.post(f"/desk/tickets/{ui.acme_ticket.pk}/link/", {"other": ui.bright_ticket.pk})
    acme_page = _page(client, ui.acme_ticket).content.decode()
    assert (
        'data-relation="related"' in acme_page
        and "Dashboards slow" in acme_page
        and "Bright" in acme_page
    )
    assert "Cellular reconnects" in _page(client, ui.bright_ticket).content.decode()
    client.post(f"/desk/tickets/{ui.bright_ticket.pk}/unlink/", {"other": ui.acme_ticket.pk})
    assert not TicketLink.objects.exists()
    again = client.post(
        f"/desk/tickets/{ui.bright_ticket.pk}/unlink/", {"other": ui.acme_ticket.pk}, follow=True
    )
    assert b"were not linked" in again.content


def test_follow_ups_show_in_the_related_list(client, ui):
    services.solve(ui.acme_ticket, actor=ui.agent)
    services.close(ui.acme_ticket, actor=ui.agent)
    follow = services.reply(ui.acme_ticket, author=ui.acme_contact, body="back again").ticket
    client.force_login(ui.agent)
    assert 'data-relation="follow-up"' in _page(client, ui.acme_ticket).content.decode()
    assert 'data-relation="follow-up of"' in _page(client, follow).content.decode()


# ------------------------------------------------------------------ files
def test_desk_reply_with_files_goes_through_the_reply_service(client, ui):
    client.force_login(ui.agent)
    upload = SimpleUploadedFile("fix.patch", b"--- a\n+++ b\n", content_type="text/x-diff")
    client.post(
        f"/desk/tickets/{ui.acme_ticket.pk}/message/",
        {"body": "patch", "kind": "reply", "files": [upload]},
    )
    att = Attachment.objects.get()
    assert (att.message.body_text, att.message.public, att.filename) == ("patch", True, "fix.patch")
    assert client.get(f"/desk/attachments/{att.pk}/").status_code == 200
    client.force_login(ui.bright_contact.user)
    assert client.get(f"/portal/attachments/{att.pk}/").status_code == 404


# ------------------------------------------------------------------ original email
@pytest.fixture
def mailed(ui):
    """A ticket opened by mail to Acme's alias: (ticket, its first message, the raw bytes)."""
    InboundAddress.objects.create(address="acme@support.example.com", organization=ui.acme)
    raw = build_mail(
        sender=ui.acme_contact.email,
        to="acme@support.example.com",
        subject="=?utf-8?q?Mod=C3=A9m?= down",
        headers={"X-Mailer": "Thunderbird"},
    )
    row = process(
        store_raw(
            raw, envelope_from=ui.acme_contact.email, envelope_to=["acme@support.example.com"]
        ).pk
    )
    assert row.ticket_message is not None, row.reason
    return row.ticket, row.ticket_message, raw


def test_original_email_is_linked_shown_and_downloadable_for_agents(client, ui, mailed):
    ticket, message, raw = mailed
    client.force_login(ui.agent)
    page = _page(client, ticket).content.decode()
    assert f'href="/desk/messages/{message.pk}/email/"' in page
    shown = client.get(f"/desk/messages/{message.pk}/email/").content.decode()
    assert "X-Mailer" in shown and "Thunderbird" in shown and "Modém down" in shown
    assert "acme@support.example.com" in shown
    download = client.get(f"/desk/messages/{message.pk}/email.eml")
    assert download["Content-Type"] == "message/rfc822" and download.content == raw
    assert 'filename="message-' in download["Content-Disposition"]
    # a web message has no original email
    web = services.reply(ticket, author=ui.agent, body="hi")
    assert client.get(f"/desk/messages/{web.pk}/email/").status_code == 404


def test_the_headers_page_of_a_large_mail_reads_only_its_head(client, ui, mailed):
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given a mailed message whose stored original is several megabytes
    _, message, _ = mailed
    big = build_mail(
        sender=ui.acme_contact.email,
        attachments=[("logs.bin", "application/octet-stream", b"x" * 3_000_000)],
    )
    InboundMessage.objects.filter(ticket_message=message).update(raw=big, size=len(big))
    client.force_login(ui.agent)
    # when an agent opens its headers page
    with CaptureQueriesContext(connection) as captured:
        shown = client.get(f"/desk/messages/{message.pk}/email/").content.decode()
    # then the headers are shown, and no query reads the whole raw column (only a substring)
    assert "Message-ID" in shown
    whole = [
        q["sql"]
        for q in captured.captured_queries
        if re.search(r'(?<!SUBSTR\()(?<!SUBSTRING\()"intake_inboundmessage"\."raw"', q["sql"])
    ]
    assert whole == []


@pytest.mark.parametrize("suffix", ["email/", "email.eml"])
def test_contacts_never_see_the_original_email(client, ui, mailed, suffix):
    _, message, _ = mailed
    url = f"/desk/messages/{message.pk}/{suffix}"
    assert client.get(url)["Location"].startswith("/accounts/login/")
    for contact in (ui.acme_contact, ui.bright_contact):  # own organization or not: 404
        client.force_login(contact.user)
        assert client.get(url).status_code == 404


# ------------------------------------------------------------------ query counts
def test_ticket_page_query_count_does_not_grow_with_links_merges_and_mail(
    client, ui, mailed, query_count, django_assert_max_num_queries
):
    ticket, _, _ = mailed
    client.force_login(ui.agent)
    url = f"/desk/tickets/{ticket.pk}/"
    client.get(url)
    services.link(ticket, ui.bright_ticket, actor=ui.agent)
    with query_count("ticket page, mailed, 1 link") as few:
        client.get(url)
    for i in range(4):
        other = services.open_ticket(
            organization=ui.acme,
            requester=ui.acme_contact,
            subject=f"dup {i}",
            description=f"dup {i}",
        )
        services.reply(other, author=ui.agent, body="seen")
        services.merge(other, into=ticket, actor=ui.agent)
        services.link(
            ticket,
            services.open_ticket(
                organization=ui.acme, requester=ui.acme_contact, subject=f"rel {i}", description="r"
            ),
            actor=ui.agent,
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert len(page.context["related"]) == 9


def test_timeline_words_for_merge_split_link_files_and_escalation(client, ui, second):
    services.merge(second, into=ui.acme_ticket, actor=ui.agent, notify_requester=True)
    services.link(ui.acme_ticket, ui.bright_ticket, actor=ui.agent)
    services.escalate(ui.bright_ticket, actor=ui.bright_contact.user, reason="slow")
    question = services.reply(
        ui.acme_ticket, author=ui.acme_contact, body="q", attachments=[("a.txt", b"a", "")]
    )
    services.split(ui.acme_ticket, messages=[question.pk], actor=ui.agent)
    client.force_login(ui.agent)
    words = [
        text for _, text in client.get(f"/desk/tickets/{ui.acme_ticket.pk}/").context["events"]
    ]
    assert f"#{second.pk} merged into this ticket (1 message(s) moved here)" in words
    assert f"linked #{ui.bright_ticket.pk}" in words and "attached a.txt" in words
    assert any(w.startswith("1 message(s) split off into #") for w in words)
    source = [text for _, text in client.get(f"/desk/tickets/{second.pk}/").context["events"]]
    assert f"merged into #{ui.acme_ticket.pk} (1 message(s) moved, requester told)" in source
    bright = [
        text for _, text in client.get(f"/desk/tickets/{ui.bright_ticket.pk}/").context["events"]
    ]
    assert "escalated to level 1 (Customer Happiness Manager): slow" in bright


def test_telling_the_requester_of_a_mailed_ticket_queues_the_mail(client, ui, mailed):
    from sladesk.notify.models import OutboxMessage

    ticket, message, _ = mailed
    before = set(OutboxMessage.objects.values_list("pk", flat=True))
    services.merge(ticket, into=ui.acme_ticket, actor=ui.agent, notify_requester=True)
    (mail,) = OutboxMessage.objects.exclude(pk__in=before)
    assert (mail.purpose, mail.ticket_id) == ("customer_reply", ticket.pk)
    assert mail.destination == f"email:{ui.acme_contact.email}"
    assert f"merged into #{ui.acme_ticket.pk}" in str(mail.payload)
    # and the original email of the moved message is still one click away on the target
    client.force_login(ui.agent)
    assert (
        f'href="/desk/messages/{message.pk}/email/"'
        in _page(client, ui.acme_ticket).content.decode()
    )
