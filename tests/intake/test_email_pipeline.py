"""The inbound pipeline from stored raw mail: routing, priority, threading with real client
replies, idempotency, loops, quarantine and the agent's "create ticket"."""

from __future__ import annotations

import email
from email.policy import compat32

import pytest

from sladesk.accounts.models import Contact, Team
from sladesk.intake.conf import conf
from sladesk.intake.email import signed_reply_address
from sladesk.intake.models import EmailMessageId, InboundAddress, InboundMessage, InboundState
from sladesk.intake.pipeline import process, requeue
from sladesk.intake.store import store_raw
from sladesk.notify.models import OutboxMessage, Page
from sladesk.tickets import services
from sladesk.tickets.models import Attachment, Message, Status, Ticket
from support.mail import DOMAIN, build_mail

pytestmark = pytest.mark.django_db

CORPUS_REPLIES = [
    "gmail",
    "apple_mail_2",
    "iphone",
    "outlook",
    "hotmail",
    "aol",
    "yahoo",
    "thunderbird",
    "android",
]


def ingest(raw: bytes, to: str = f"acme@{DOMAIN}") -> InboundMessage:
    return process(store_raw(raw, envelope_from="jane@acme.example", envelope_to=[to]).pk)


def rewrite(raw: bytes, **headers: str) -> bytes:
    """The raw message with some headers replaced (``In_Reply_To`` → ``In-Reply-To``)."""
    msg = email.message_from_bytes(raw, policy=compat32)
    for name, value in headers.items():
        header = name.replace("_", "-")
        del msg[header]
        msg[header] = value
    return msg.as_bytes()


def test_same_message_twice_makes_one_ticket(acme):
    raw = build_mail(message_id="<twice@acme.example>")
    first, second = ingest(raw), ingest(raw)
    assert (first.state, second.state) == (InboundState.TICKET, InboundState.DUPLICATE)
    assert second.ticket == first.ticket and Ticket.objects.count() == 1
    assert OutboxMessage.objects.filter(purpose="acknowledgement").count() == 1


def test_processing_a_row_twice_is_a_no_op(acme):
    row = ingest(build_mail())
    assert process(row.pk).state == InboundState.TICKET
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize("client", CORPUS_REPLIES)
def test_real_client_replies_thread_by_in_reply_to_and_show_only_the_new_text(
    acme, client, corpus_dir
):
    # given a ticket opened by mail and acknowledged
    ticket = ingest(build_mail(subject="Test")).ticket
    ack_id = EmailMessageId.objects.get(ticket=ticket, direction="out").message_id
    # when the customer answers from a real mail client (its bytes, our thread headers)
    raw = (corpus_dir / "mailgun-talon" / "standard_replies" / f"{client}.eml").read_bytes()
    row = ingest(
        rewrite(
            raw, From="jane@acme.example", In_Reply_To=ack_id, Message_ID=f"<{client}@acme.example>"
        )
    )
    # then the reply is on the ticket with only the new text; the history is kept aside
    assert (row.state, row.ticket) == (InboundState.REPLY, ticket)
    assert row.ticket_message.body_text == "Hello"
    assert row.quoted_text


def test_threading_by_subject_reference_then_by_signed_reply_address(acme):
    ticket = ingest(build_mail(subject="Console login loop")).ticket
    by_subject = ingest(
        build_mail(subject=f"Re: [#{ticket.pk}] Console login loop", body="still broken")
    )
    assert (by_subject.state, by_subject.ticket) == (InboundState.REPLY, ticket)
    assert "[#" in by_subject.reason
    signed = signed_reply_address("acme", DOMAIN, ticket.pk, conf().secrets[0])
    by_address = ingest(build_mail(subject="no reference", body="more logs", to=signed), to=signed)
    assert (by_address.state, by_address.ticket) == (InboundState.REPLY, ticket)
    forged = signed.replace(".", ".0", 1)
    assert ingest(build_mail(subject="forged", to=forged), to=forged).ticket != ticket


def test_reply_after_solve_reopens_within_the_window_else_follows_up(acme, agent, frozen_now):
    from datetime import timedelta

    ticket = ingest(build_mail(subject="Webhook latency")).ticket
    services.solve(ticket, actor=agent, reason="fixed")
    row = ingest(build_mail(subject=f"Re: [#{ticket.pk}] Webhook latency", body="back again"))
    ticket.refresh_from_db()
    assert (row.ticket, ticket.status) == (ticket, Status.OPEN)
    services.solve(ticket, actor=agent, reason="fixed again")
    frozen_now.set(frozen_now.at + timedelta(days=30))
    late = ingest(build_mail(subject=f"AW: Re: [#{ticket.pk}] Webhook latency", body="and again"))
    assert late.ticket.follow_up_of == ticket and "follow-up" in late.reason
    assert late.ticket.subject == "Webhook latency"


def test_reply_to_a_merged_ticket_lands_on_its_target_without_a_new_acknowledgement(acme, agent):
    # given two mailed tickets from the same customer, the first merged into the second
    first = ingest(build_mail(subject="Fleet offline", message_id="<m1@acme.example>")).ticket
    second = ingest(
        build_mail(subject="Fleet offline again", message_id="<m2@acme.example>")
    ).ticket
    services.merge(first, into=second, actor=agent)
    acks = OutboxMessage.objects.filter(purpose="acknowledgement").count()
    # when the customer answers the first ticket's thread
    row = ingest(build_mail(subject=f"Re: [#{first.pk}] Fleet offline", body="still down"))
    # then the reply is on the target, logged as merged, and no ticket is acknowledged anew
    assert (row.state, row.ticket) == (InboundState.REPLY, second)
    assert row.ticket_message.ticket == second and "merged into" in row.reason
    assert OutboxMessage.objects.filter(purpose="acknowledgement").count() == acks
    assert Ticket.objects.count() == 2


def test_routes_give_team_and_default_priority_and_the_sender_gives_the_organization(
    make_org, make_contact
):
    # given freistilbox's shared hosting@ address routed to DevOps with a default priority
    org = make_org("freistilbox", plan="standard", name="Shopfabrik")
    make_contact(org, "it@shopfabrik.example")
    devops = Team.objects.create(slug="devops", name="DevOps")
    InboundAddress.objects.create(
        address="hosting@freistilbox.example", team=devops, kind="hosting", default_priority="high"
    )
    # when a known contact writes to it
    raw = build_mail(
        sender="it@shopfabrik.example", to="hosting@freistilbox.example", subject="Varnish misses"
    )
    row = ingest(raw, to="hosting@freistilbox.example")
    # then the ticket is the sender's organization's, on DevOps' desk, at the route's priority
    ticket = row.ticket
    assert (ticket.organization, ticket.team, ticket.priority) == (org, devops, "high")
    assert ticket.status == Status.NEW  # routed, not dispatched


@pytest.mark.parametrize(
    ("policy", "subject", "expected"),
    [
        ("particle-enterprise", "[P1] Fleet offline", "P1"),
        ("particle-enterprise", "Re: [Priority 2] Cellular", "P2"),
        ("esper", "[Sev2] Apps fail to install", "Sev2"),
        ("freistilbox", "[Urgent] Checkout down", "urgent"),
        ("houseware", "[P0] Dashboards time out", "P2"),  # the customer cannot set it: default P2
    ],
)
def test_subject_priority_tag_goes_through_the_policy(
    make_org, make_contact, policy, subject, expected
):
    org = make_org(policy, name=f"org {policy}", plan="standard" if policy == "freistilbox" else "")
    make_contact(org, "jane@acme.example")
    InboundAddress.objects.create(address=f"{policy}@{DOMAIN}", organization=org)
    row = ingest(build_mail(subject=subject, to=f"{policy}@{DOMAIN}"), to=f"{policy}@{DOMAIN}")
    assert row.ticket.priority == expected
    assert row.ticket.subject == subject.split("] ", 1)[1]


def test_particle_priority_at_the_end_of_the_subject_opens_a_p1_and_pages(make_org, make_contact):
    # given Particle's "include a priority level [P1-P4]" in the subject, written last
    org = make_org("particle-enterprise", name="org trailing tag", region="na")
    make_contact(org, "jane@acme.example")
    InboundAddress.objects.create(address=f"trailing@{DOMAIN}", organization=org)
    raw = build_mail(subject="Fleet offline [P1]", to=f"trailing@{DOMAIN}")
    # when the mail is processed
    ticket = ingest(raw, to=f"trailing@{DOMAIN}").ticket
    # then it is a P1 named without the tag, and on-call is paged
    assert (ticket.priority, ticket.subject) == ("P1", "Fleet offline")
    assert Page.objects.filter(ticket=ticket).exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"X-Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"Subject": "Out of Office: back Monday"},
    ],
)
def test_auto_replies_never_open_tickets_or_get_answers(acme, headers):
    raw = build_mail(subject=headers.pop("Subject", "Automatic reply"), headers=headers)
    row = ingest(raw)
    assert row.state == InboundState.IGNORED and row.reason.startswith("auto-reply")
    assert not Ticket.objects.exists() and not OutboxMessage.objects.exists()


def test_a_bounce_of_our_mail_is_recorded_on_the_ticket_not_answered(acme):
    ticket = ingest(build_mail(subject="Help")).ticket
    ack_id = EmailMessageId.objects.get(ticket=ticket, direction="out").message_id
    bounce = build_mail(
        sender="mailer-daemon@acme.example",
        subject="Undelivered Mail Returned to Sender",
        in_reply_to=ack_id,
    )
    row = ingest(bounce)
    assert (
        row.state == InboundState.IGNORED
        and row.reason.startswith("bounce")
        and row.ticket == ticket
    )
    assert ticket.events.filter(data__action="inbound_ignored").exists()
    assert OutboxMessage.objects.count() == 1  # only the first acknowledgement


def test_our_own_message_coming_back_is_a_loop(acme):
    ticket = ingest(build_mail(subject="Help")).ticket
    ack_id = EmailMessageId.objects.get(ticket=ticket, direction="out").message_id
    row = ingest(build_mail(subject="Re: Help", message_id=ack_id))
    assert row.state == InboundState.IGNORED and "our own message" in row.reason


def test_rate_limit_stops_a_looping_sender(acme, settings):
    # given a verified sender's limit of 3
    settings.SLADESK_EMAIL = {"verified_rate_limit": 3}
    # when it sends 5 mails
    rows = [ingest(build_mail(subject=f"loop {i}")) for i in range(5)]
    # then the last two are kept in quarantine as rate limited, keyed by its verified domain
    assert [r.state for r in rows] == ["ticket"] * 3 + ["quarantined"] * 2
    assert rows[-1].reason.startswith("rate limited: 3 messages from verified sender acme.example")


def test_unknown_sender_is_quarantined_then_accepted_by_an_agent(make_org, make_contact):
    # given an organization that does not accept unknown senders
    org = make_org("particle-enterprise", region="na", name="Nordlicht")
    make_contact(org, "known@nordlicht.example")
    InboundAddress.objects.create(address=f"nordlicht@{DOMAIN}", organization=org)
    raw = build_mail(sender="new@nordlicht.example", to=f"nordlicht@{DOMAIN}")
    # when a stranger writes: kept in quarantine with the reason, nothing dropped
    row = ingest(raw, to=f"nordlicht@{DOMAIN}")
    assert row.state == InboundState.QUARANTINED and "does not accept unknown senders" in row.reason
    assert bytes(row.raw) == raw
    # when an agent uses "create ticket"
    requeue([row.pk])
    row = process(row.pk, accept=True)
    assert row.state == InboundState.TICKET
    assert Contact.objects.get(email="new@nordlicht.example").organization == org


def test_unknown_sender_from_an_allowed_domain_becomes_a_contact(acme):
    row = ingest(build_mail(sender="bob@acme.example"))
    assert row.state == InboundState.TICKET and row.ticket.requester.email == "bob@acme.example"
    stranger = ingest(build_mail(sender="eve@elsewhere.example"))
    assert (
        stranger.state == InboundState.QUARANTINED and "not one of its domains" in stranger.reason
    )


def test_unrouted_and_unparseable_mail_is_quarantined_with_a_reason(acme):
    unrouted = ingest(build_mail(to=f"nobody@{DOMAIN}"), to=f"nobody@{DOMAIN}")
    assert (
        unrouted.state == InboundState.QUARANTINED
        and "not sent to a routed address" in unrouted.reason
    )


def test_attachments_and_inline_images_are_stored_with_a_size_limit(acme, settings):
    settings.SLADESK_EMAIL = {"max_attachment_bytes": 1000}
    raw = build_mail(
        attachments=[
            ("log.txt", "text/plain", b"x" * 500),
            ("core.bin", "application/octet-stream", b"y" * 5000),
        ]
    )
    row = ingest(raw)
    stored = Attachment.objects.get()
    assert (stored.filename, stored.size, stored.message) == ("log.txt", 500, row.ticket_message)
    assert "core.bin (5000 bytes) kept in the raw message only" in row.reason


def test_agent_reply_on_a_web_ticket_is_mailed_unless_the_contact_opted_out(acme, agent):
    # a portal ticket has no mail thread: the requester gets the reply by mail...
    contact = acme.contacts.get()
    ticket = services.open_ticket(
        organization=acme, requester=contact, subject="web", description="d"
    )
    services.reply(ticket, author=agent, body="hi")
    [row] = OutboxMessage.objects.filter(purpose="customer_reply")
    assert row.destination == f"email:{contact.email.lower()}"
    # ...unless the contact turned email_updates off
    contact.email_updates = False
    contact.save()
    services.reply(ticket, author=agent, body="again")
    assert OutboxMessage.objects.filter(purpose="customer_reply").count() == 1
    assert Message.objects.filter(ticket=ticket).count() == 3
