"""Merge, split and link services; escalation and attachments as services.

Particle Enterprise, region NA (9-17 Pacific, US holidays), P2: first response 4 business
hours; the clock of the `frozen_now` fixture starts Wed 25 Nov 2026 16:30 PST.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sladesk.notify.models import Timer
from sladesk.tickets import access, selectors, services
from sladesk.tickets.models import (
    Attachment,
    EventKind,
    LinkKind,
    Message,
    SlaClock,
    Status,
    Ticket,
    TicketEvent,
    TicketLink,
)

pytestmark = pytest.mark.django_db
T = datetime.fromisoformat


@pytest.fixture
def acme(make_org, make_contact):
    org = make_org("particle-enterprise", region="na", name="Acme")
    return org, make_contact(org, login=True)


def _open(org, contact, subject, priority="P2", **kw):
    return services.open_ticket(
        organization=org,
        requester=contact,
        subject=subject,
        description=f"{subject}!",
        priority=priority,
        **kw,
    )


def _clock(ticket, metric):
    return SlaClock.objects.get(ticket=ticket, metric=metric)


# ------------------------------------------------------------------ merge
def test_merge_moves_messages_closes_the_source_and_cancels_its_clocks(frozen_now, acme, agent):
    # given two P2 tickets of Acme (B at 16:30, A at 16:40), B with an agent reply at 16:45
    org, contact = acme
    b = _open(org, contact, "Fleet offline")
    frozen_now.set(T("2026-11-25T16:40:00-08:00"))
    a = _open(org, contact, "Modem offline")
    frozen_now.set(T("2026-11-25T16:45:00-08:00"))
    services.reply(b, author=agent, body="looking")
    b_clocks = {
        c.metric: (c.state, c.due_at, c.generation) for c in SlaClock.objects.filter(ticket=b)
    }
    assert Timer.objects.filter(ticket=a, state="pending").count() > 0
    # when alice merges A into B an hour later
    frozen_now.set(T("2026-11-25T17:00:00-08:00"))
    services.merge(a, into=b, actor=agent, note="same outage")
    # then A's customer message is on B, marked from A, and B's conversation is in time order
    a.refresh_from_db()
    moved = Message.objects.get(body_text="Modem offline!")
    assert (moved.ticket_id, moved.origin_ticket_id) == (b.pk, a.pk)
    assert [m.origin_ticket_id for m in Message.objects.filter(ticket=b, public=True)] == [
        None,
        a.pk,
        None,
    ]
    # A is closed, linked to B, its clocks cancelled (not met, not breached) with no pending timer
    assert (a.status, a.closed_at) == (Status.CLOSED, frozen_now.at)
    assert TicketLink.objects.filter(source=a, target=b, kind=LinkKind.MERGED).exists()
    assert {c.state for c in SlaClock.objects.filter(ticket=a)} == {"cancelled"}
    assert Timer.objects.filter(ticket=a, state="pending").count() == 0
    assert services.merge_target(a) == b
    # B keeps its clocks untouched
    after = {c.metric: (c.state, c.due_at, c.generation) for c in SlaClock.objects.filter(ticket=b)}
    assert after == b_clocks
    # both logs say it, with the actor; both get an internal note (with the agent's note)
    event_a = TicketEvent.objects.get(ticket=a, kind=EventKind.MERGE)
    event_b = TicketEvent.objects.get(ticket=b, kind=EventKind.MERGE)
    assert (event_a.data["into"], event_b.data["from"], event_a.actor_user) == (b.pk, a.pk, agent)
    assert event_a.data["notified"] is False
    notes = Message.objects.filter(public=False).order_by("ticket_id")
    assert [n.ticket_id for n in notes] == [b.pk, a.pk] and all(
        "same outage" in n.body_text for n in notes
    )
    # and the requester was not told (no public message on A)
    assert not Message.objects.filter(ticket=a, public=True).exists()


def test_merge_across_organizations_is_refused_naming_both(
    frozen_now, acme, make_org, make_contact, agent
):
    org, contact = acme
    other = make_org("houseware", name="Bright")
    a = _open(org, contact, "x")
    b = services.open_ticket(
        organization=other, requester=make_contact(other), subject="y", description="y"
    )
    with pytest.raises(
        services.ServiceError, match=r"Acme and .* Bright: only tickets of the same organization"
    ):
        services.merge(a, into=b, actor=agent)
    assert Ticket.objects.get(pk=a.pk).status == Status.NEW
    assert Message.objects.filter(ticket=a).count() == 1


@pytest.mark.parametrize("case", ["self", "closed source", "closed target", "contact"])
def test_merge_refusals(frozen_now, acme, agent, case):
    org, contact = acme
    a, b = _open(org, contact, "a"), _open(org, contact, "b")
    actor = contact.user if case == "contact" else agent
    if case == "closed source":
        services.merge(a, into=b, actor=agent)
    if case == "closed target":
        services.solve(b, actor=agent)
        services.close(b, actor=agent)
    with pytest.raises(services.ServiceError):
        services.merge(a, into=a if case == "self" else b, actor=actor)


def test_merge_can_tell_the_requester_and_later_replies_reach_the_target(frozen_now, acme, agent):
    org, contact = acme
    a, b = _open(org, contact, "a"), _open(org, contact, "b")
    services.merge(a, into=b, actor=agent, notify_requester=True)
    # then A's requester sees a public note on A naming B
    notice = access.visible_messages(contact.user).get(ticket=a)
    assert f"merged into #{b.pk}" in notice.body_text and notice.author_user == agent
    assert TicketEvent.objects.filter(
        ticket=a, kind=EventKind.CUSTOMER_NOTICE, data__template="merged"
    ).exists()
    # when the customer answers on A, the reply lands on B (no follow-up ticket)
    frozen_now.set(T("2026-11-25T18:00:00-08:00"))
    message = services.reply(a, author=contact, body="thanks")
    assert message.ticket_id == b.pk
    assert not Ticket.objects.filter(follow_up_of=a).exists()


def test_a_clock_breached_before_the_merge_stays_breached(frozen_now, acme, agent):
    org, contact = acme
    a, b = _open(org, contact, "a"), _open(org, contact, "b")
    frozen_now.set(T("2026-11-27T13:00:00-08:00"))  # first response was due Fri 12:30
    services.merge(a, into=b, actor=agent)
    first = _clock(a, "first_response")
    assert (first.state, first.breached_at) == ("breached", T("2026-11-27T12:30:00-08:00"))
    assert _clock(a, "resolution").state == "cancelled"


# ------------------------------------------------------------------ split
def test_split_opens_a_linked_ticket_whose_clocks_start_at_the_message(
    frozen_now, acme, make_contact, agent
):
    # given a ticket, and on Mon 30 Nov 10:00 a colleague of the requester asks something else
    org, contact = acme
    colleague = make_contact(org, "ops@acme.example")
    a = _open(org, contact, "Modem offline")
    frozen_now.set(T("2026-11-30T10:00:00-08:00"))
    other = services.reply(a, author=colleague, body="also: billing address?")
    a_clocks = {c.metric: (c.state, c.due_at) for c in SlaClock.objects.filter(ticket=a)}
    # when alice splits that message off at 11:00
    frozen_now.set(T("2026-11-30T11:00:00-08:00"))
    new = services.split(a, messages=[other.pk], actor=agent, subject="Billing address")
    # then it is a new P2 ticket of Acme, requested by the colleague, linked to A
    assert (new.organization, new.requester, new.subject, new.priority) == (
        org,
        colleague,
        "Billing address",
        "P2",
    )
    assert TicketLink.objects.filter(source=new, target=a, kind=LinkKind.SPLIT).exists()
    other.refresh_from_db()
    assert (other.ticket_id, other.origin_ticket_id) == (new.pk, a.pk)
    # its first response counts from the message (10:00 + 4 business hours = 14:00), not 11:00
    assert new.created_at == T("2026-11-30T10:00:00-08:00")
    assert _clock(new, "first_response").due_at == T("2026-11-30T14:00:00-08:00")
    assert Timer.objects.filter(ticket=new, state="pending").exists()
    # and the original keeps its clocks, with a note and a split event
    assert {c.metric: (c.state, c.due_at) for c in SlaClock.objects.filter(ticket=a)} == a_clocks
    assert TicketEvent.objects.get(ticket=a, kind=EventKind.SPLIT).data == {
        "to": new.pk,
        "messages": [other.pk],
        "note_id": Message.objects.get(ticket=a, public=False).pk,
    }
    created = TicketEvent.objects.get(ticket=new, kind=EventKind.CREATED)
    assert (created.data["split_from"], created.actor_user) == (a.pk, agent)


def test_split_with_an_agent_reply_meets_first_response_at_the_reply(frozen_now, acme, agent):
    org, contact = acme
    a = _open(org, contact, "a")
    frozen_now.set(T("2026-11-30T10:00:00-08:00"))
    question = services.reply(a, author=contact, body="second question")
    frozen_now.set(T("2026-11-30T10:30:00-08:00"))
    answer = services.reply(a, author=agent, body="second answer")
    frozen_now.set(T("2026-11-30T12:00:00-08:00"))
    new = services.split(a, messages=[question.pk, answer.pk], actor=agent)
    first = _clock(new, "first_response")
    assert (first.state, first.met_at) == ("met", T("2026-11-30T10:30:00-08:00"))
    assert new.status == Status.OPEN and new.subject == f"Split from #{a.pk}: a"


@pytest.mark.parametrize(
    ("split_at", "state", "due", "breached"),
    [
        # split the same day: the cadence runs from the latest moved update (11:00 + 4 h)
        ("2026-11-30T12:00:00-08:00", "running", T("2026-11-30T15:00:00-08:00"), None),
        # split the next day: the update is already late, breached at its due instant
        ("2026-12-01T12:00:00-08:00", "breached", None, T("2026-11-30T15:00:00-08:00")),
    ],
)
def test_split_with_agent_updates_starts_the_next_update_cadence_as_a_reply_would(
    frozen_now, make_org, make_contact, agent, split_at, state, due, breached
):
    # given an Esper premium Sev2 (next update every 4 business hours, 9-17 Pacific) where,
    # on Mon 30 Nov, the customer asks a second question at 10:00 and alice answers 10:30, 11:00
    org = make_org("esper", plan="premium")
    customer = make_contact(org)
    a = _open(org, customer, "DPC update", priority="Sev2")
    frozen_now.set(T("2026-11-30T10:00:00-08:00"))
    question = services.reply(a, author=customer, body="and the kiosk mode?")
    frozen_now.set(T("2026-11-30T10:30:00-08:00"))
    first = services.reply(a, author=agent, body="looking")
    frozen_now.set(T("2026-11-30T11:00:00-08:00"))
    latest = services.reply(a, author=agent, body="kiosk mode needs 4.2")
    # when alice splits the three off
    frozen_now.set(T(split_at))
    new = services.split(a, messages=[question.pk, first.pk, latest.pk], actor=agent)
    # then the new ticket has a next_update clock started at the latest update, as on any ticket
    nu = _clock(new, "next_update")
    assert (nu.state, nu.started_at, nu.due_at, nu.breached_at) == (
        state,
        latest.created_at,
        due,
        breached,
    )
    assert _clock(new, "first_response").met_at == first.created_at
    # and its breach timer is pending (at the due instant, or at once for the breach's actions)
    assert Timer.objects.get(ticket=new, clock=nu, kind="breach").state == "pending"


def test_split_of_customer_messages_only_has_no_next_update_yet(
    frozen_now, make_org, make_contact, agent
):
    # given an Esper premium ticket and a second question nobody answered
    org = make_org("esper", plan="premium")
    customer = make_contact(org)
    a = _open(org, customer, "DPC update", priority="Sev2")
    question = services.reply(a, author=customer, body="and the kiosk mode?")
    # when it is split off
    new = services.split(a, messages=[question.pk], actor=agent)
    # then, as a newly opened ticket, it waits for a first response and has no cadence yet
    assert set(SlaClock.objects.filter(ticket=new).values_list("metric", flat=True)) >= {
        "first_response"
    }
    assert not SlaClock.objects.filter(ticket=new, metric="next_update").exists()


def test_split_of_an_old_message_records_the_breach_at_its_due_instant(frozen_now, acme, agent):
    org, contact = acme
    a = _open(org, contact, "a")
    frozen_now.set(T("2026-11-30T10:00:00-08:00"))
    question = services.reply(a, author=contact, body="forgotten question")
    frozen_now.set(T("2026-12-01T10:00:00-08:00"))
    new = services.split(a, messages=[question.pk], actor=agent)
    first = _clock(new, "first_response")
    assert (first.state, first.breached_at) == ("breached", T("2026-11-30T14:00:00-08:00"))


def test_split_refuses_nothing_everything_and_foreign_messages(frozen_now, acme, agent):
    org, contact = acme
    a, b = _open(org, contact, "a"), _open(org, contact, "b")
    only = Message.objects.get(ticket=a)
    with pytest.raises(services.ServiceError, match="at least one"):
        services.split(a, messages=[], actor=agent)
    with pytest.raises(services.ServiceError, match="every message"):
        services.split(a, messages=[only.pk], actor=agent)
    foreign = Message.objects.get(ticket=b)
    with pytest.raises(
        services.ServiceError, match=rf"\[{foreign.pk}\] are not messages of #{a.pk}"
    ):
        services.split(a, messages=[foreign.pk], actor=agent)
    with pytest.raises(services.ServiceError, match="only agents"):
        services.split(a, messages=[only.pk], actor=contact.user)


# ------------------------------------------------------------------ link
def test_links_are_symmetric_idempotent_and_listed_with_follow_ups(frozen_now, acme, agent):
    org, contact = acme
    a, b = _open(org, contact, "a"), _open(org, contact, "b")
    first = services.link(b, a, actor=agent)
    assert services.link(a, b, actor=agent) == first  # twice: the same link, logged once
    assert TicketEvent.objects.filter(kind=EventKind.LINK).count() == 2
    assert [(r.ticket.pk, r.relation) for r in selectors.related_tickets(a)] == [(b.pk, "related")]
    assert [(r.ticket.pk, r.relation) for r in selectors.related_tickets(b)] == [(a.pk, "related")]
    # a follow-up (customer reply on the closed ticket) shows in the same list
    services.solve(a, actor=agent)
    services.close(a, actor=agent)
    follow = services.reply(a, author=contact, body="again").ticket
    assert [r.relation for r in selectors.related_tickets(a)] == ["related", "follow-up"]
    assert [(r.ticket.pk, r.relation) for r in selectors.related_tickets(follow)] == [
        (a.pk, "follow-up of")
    ]
    # unlinking removes it from both sides
    assert services.unlink(a, b, actor=agent) is True
    assert services.unlink(a, b, actor=agent) is False
    assert selectors.related_tickets(b) == []


def test_merge_and_split_links_cannot_be_unlinked(frozen_now, acme, agent):
    org, contact = acme
    a, b = _open(org, contact, "a"), _open(org, contact, "b")
    services.merge(a, into=b, actor=agent)
    assert [r.relation for r in selectors.related_tickets(a)] == ["merged into"]
    assert [r.relation for r in selectors.related_tickets(b)] == ["merged from"]
    with pytest.raises(services.ServiceError, match="merge or split"):
        services.unlink(a, b, actor=agent)


def test_related_tickets_costs_one_query(frozen_now, acme, agent, query_count):
    org, contact = acme
    a = _open(org, contact, "a")
    for i in range(4):
        services.link(a, _open(org, contact, f"b{i}"), actor=agent)
    with query_count("related tickets with their organizations, 4 links"):
        rows = selectors.related_tickets(a)
        names = [r.ticket.organization.name for r in rows]
    assert names == ["Acme"] * 4


# ------------------------------------------------------------------ escalation
def test_escalate_climbs_the_ladder_and_logs_it(frozen_now, make_org, make_contact, agent):
    org = make_org("houseware", name="Bright")
    contact = make_contact(org, login=True)
    ticket = services.open_ticket(organization=org, requester=contact, subject="x", description="y")
    ticket = services.escalate(ticket, actor=contact.user, reason="no answer")
    assert (services.escalation_level(ticket), ticket.escalation_role) == (
        1,
        "Customer Happiness Manager",
    )
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ESCALATION)
    assert (event.actor_user, event.data["reason"]) == (contact.user, "no answer")
    services.escalate(ticket, actor=agent, reason="customer called")
    services.escalate(ticket, actor=agent, reason="ceo asked")
    with pytest.raises(services.ServiceError, match="top of the escalation ladder"):
        services.escalate(ticket, actor=agent, reason="more")
    with pytest.raises(services.ServiceError, match="needs a reason"):
        services.escalate(ticket, actor=agent, reason=" ")


def test_a_customer_escalation_mails_the_rung_it_reaches_once(
    frozen_now, make_org, make_contact, agent
):
    from django.contrib.auth.models import User

    from sladesk.accounts.models import AccountTeamMember
    from sladesk.notify.models import OutboxMessage

    # given a Houseware customer whose account team names a Customer Happiness Manager
    org = make_org("houseware", name="Bright")
    hana = User.objects.create_user("hana", "hana@houseware.example", "pw")
    AccountTeamMember.objects.create(organization=org, user=hana, role="Customer Happiness Manager")
    contact = make_contact(org, login=True)
    ticket = services.open_ticket(
        organization=org, requester=contact, subject="Report broken", description="y"
    )
    # when the customer escalates (seed 003: "1st level of escalation: Customer Happiness Manager")
    escalated = services.escalate(ticket, actor=contact.user, reason="no answer in two days")
    # then the Happiness Manager is e-mailed with the reason, in the same change
    [mail] = OutboxMessage.objects.filter(ticket_id=ticket.pk, purpose="escalation")
    assert (
        mail.channel == "email"
        and "Customer Happiness Manager (level 1)" in mail.payload["summary"]
    )
    assert "no answer in two days" in mail.payload["body"]
    assert [r.label for r in escalated.escalation_told] == ["Customer Happiness Manager hana"]
    # and the next level (nobody on the account team for it) mails nobody, but still climbs
    assert services.escalate(ticket, actor=agent, reason="still nothing").escalation_told == []
    assert OutboxMessage.objects.filter(purpose="escalation").count() == 1


def test_escalate_refuses_policies_without_a_ladder_and_other_organizations(
    frozen_now, acme, make_org, make_contact
):
    org, contact = acme
    ticket = _open(org, contact, "x")
    with pytest.raises(services.ServiceError, match="no escalation ladder"):
        services.escalate(ticket, actor=contact.user, reason="why")
    bright = make_org("houseware", name="Bright")
    theirs = services.open_ticket(
        organization=bright, requester=make_contact(bright), subject="x", description="y"
    )
    with pytest.raises(services.ServiceError, match="own organization"):
        services.escalate(theirs, actor=contact.user, reason="why")


# ------------------------------------------------------------------ attachments
def test_reply_with_attachments_stores_them_in_the_same_change(frozen_now, acme, agent):
    org, contact = acme
    ticket = _open(org, contact, "x")
    upload = SimpleUploadedFile("../../etc/log.txt", b"boot loop", content_type="text/plain")
    message = services.reply(ticket, author=contact.user, body="log attached", attachments=[upload])
    att = Attachment.objects.get(message=message)
    assert (att.filename, att.size, att.content_type) == ("log.txt", 9, "text/plain")
    assert att.file.read() == b"boot loop"
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.ATTACHMENT)
    assert (event.data["files"][0]["filename"], event.actor_user) == ("log.txt", contact.user)
    # a later file on an agent's note, as raw bytes
    note = services.add_note(
        ticket, author=agent, body="n", attachments=[("trace.bin", b"\x00\x01", "")]
    )
    assert note.attachments.get().filename == "trace.bin"


def test_attachments_over_the_limit_are_refused_before_anything_is_written(
    frozen_now, acme, monkeypatch
):
    from sladesk.tickets.services import attachments

    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", 4)
    org, contact = acme
    ticket = _open(org, contact, "x")
    with pytest.raises(
        services.ServiceError, match=r"big\.log is 5 bytes: files may be at most 4 bytes"
    ):
        services.reply(ticket, author=contact, body="x", attachments=[("big.log", b"12345", "")])
    assert Message.objects.filter(ticket=ticket).count() == 1 and not Attachment.objects.exists()


def test_contacts_attach_only_to_their_own_public_messages(frozen_now, acme, agent):
    org, contact = acme
    ticket = _open(org, contact, "x")
    note = services.add_note(ticket, author=agent, body="internal")
    with pytest.raises(services.ServiceError, match="public messages"):
        services.add_attachments(note, [("a.txt", b"a", "text/plain")], actor=contact.user)
    first = Message.objects.filter(ticket=ticket, public=True).get()
    files = services.add_attachments(first, [("a.txt", b"a", "text/plain")], actor=contact.user)
    assert [f.filename for f in files] == ["a.txt"]
    assert frozen_now.at - TicketEvent.objects.filter(
        kind=EventKind.ATTACHMENT
    ).get().at == timedelta(0)
