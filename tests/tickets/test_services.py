"""Service rules beyond the per-policy life cycles: reopen window, follow-ups, notes,
the append-only log, policy snapshots and explicit re-targeting, the demo loader."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from sladesk.core import policies
from sladesk.tickets import access, selectors, services
from sladesk.tickets.models import EventKind, Message, SlaClock, Status, Ticket, TicketEvent
from sladesk.tickets.models.event import AppendOnlyError

pytestmark = pytest.mark.django_db

T = datetime.fromisoformat


@pytest.fixture
def solved_ticket(frozen_now, make_org, make_contact, agent):
    org = make_org("particle-enterprise", region="na")
    customer = make_contact(org, login=True)
    frozen_now.set(T("2026-11-30T10:00:00-08:00"))
    ticket = services.open_ticket(
        organization=org,
        requester=customer,
        subject="Console slow",
        description="slow",
        priority="P3",
    )
    frozen_now.set(T("2026-11-30T11:00:00-08:00"))
    services.reply(ticket, author=agent, body="cache cleared")
    ticket = services.solve(ticket, actor=agent)
    return ticket, customer


def test_customer_reply_within_the_reopen_window_reopens(solved_ticket, frozen_now):
    # given a ticket solved Mon 30 Nov 11:00 PST with 2 h of resolution used (10-11 ... 11)
    ticket, customer = solved_ticket
    # when the customer answers 6 days later (window: 7 days)
    frozen_now.set(T("2026-12-06T11:00:00-08:00"))  # Sun
    services.reply(ticket, author=customer.user, body="still slow")
    # then the ticket is open again and resolution counts again with its used time:
    #      5 business days = 40 h, 1 h used; 39 h from Mon 7 Dec 09:00 → Mon-Thu 32 h,
    #      Fri 11 Dec 09:00 + 7 h → 16:00 PST
    ticket.refresh_from_db()
    assert (ticket.status, ticket.solved_at) == (Status.OPEN, None)
    res = SlaClock.objects.get(ticket=ticket, metric="resolution")
    assert (res.state, res.used) == ("running", timedelta(hours=1))
    assert res.due_at == T("2026-12-11T16:00:00-08:00")


def test_customer_reply_after_the_window_opens_a_follow_up(solved_ticket, frozen_now):
    # given the same solved ticket; when the customer writes 8 days later
    ticket, customer = solved_ticket
    frozen_now.set(T("2026-12-08T11:00:00-08:00"))
    message = services.reply(ticket, author=customer, body="it is back")
    # then a new ticket carries the message and points to the old one, which stays solved
    follow = message.ticket
    assert follow.pk != ticket.pk and follow.follow_up_of_id == ticket.pk
    assert follow.subject == "Console slow" and follow.priority == "P3"
    ticket.refresh_from_db()
    assert ticket.status == Status.SOLVED
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.FOLLOW_UP).exists()


def test_follow_up_is_named_with_the_old_tickets_topic(solved_ticket, frozen_now, agent):
    # given a closed ticket whose subject carries reply prefixes and a ticket reference
    ticket, customer = solved_ticket
    Ticket.objects.filter(pk=ticket.pk).update(subject="AW: Re: [#12] Fwd: Console slow")
    ticket.refresh_from_db()
    services.close(ticket, actor=agent)
    # when the customer writes again, twice (the second lands on a follow-up of a follow-up)
    follow = services.reply(ticket, author=customer, body="it is back").ticket
    services.solve(follow, actor=agent, reason="fixed")
    services.close(follow, actor=agent)
    again = services.reply(follow, author=customer, body="and again").ticket
    # then both are named with the topic only: no "Re:" stacking, no old reference
    assert (follow.subject, again.subject) == ("Console slow", "Console slow")


def test_customer_reply_on_closed_ticket_always_opens_a_follow_up(solved_ticket, frozen_now, agent):
    ticket, customer = solved_ticket
    services.close(ticket, actor=agent)
    message = services.reply(ticket, author=customer, body="one more thing")
    assert message.ticket.follow_up_of_id == ticket.pk


def test_closed_is_final_for_status_changes(solved_ticket, agent):
    ticket, _ = solved_ticket
    services.close(ticket, actor=agent)
    with pytest.raises(services.InvalidTransition):
        services.set_pending(ticket, actor=agent)


def test_internal_notes_are_hidden_from_contacts_and_do_not_move_clocks(solved_ticket, agent):
    # given a solved ticket; when an agent writes a note
    ticket, customer = solved_ticket
    before = list(SlaClock.objects.filter(ticket=ticket).values_list("generation", flat=True))
    services.add_note(ticket, author=agent, body="<b>root cause</b>: redis")
    # then contacts do not see it, agents do; clocks are untouched
    assert [m.public for m in access.visible_messages(customer.user).filter(ticket=ticket)] == [
        True,
        True,
    ]
    assert len(access.visible_messages(agent).filter(ticket=ticket)) == 3
    assert (
        list(SlaClock.objects.filter(ticket=ticket).values_list("generation", flat=True)) == before
    )
    # and a contact cannot write notes
    with pytest.raises(services.ServiceError):
        services.add_note(ticket, author=customer.user, body="x")


def test_html_is_sanitized(frozen_now, make_org, make_contact, agent):
    org = make_org("houseware")
    ticket = services.open_ticket(
        organization=org,
        requester=make_contact(org),
        subject="x",
        description="a <b>b</b>",
    )
    msg = services.reply(
        ticket, author=agent, body="hi", html='<p onclick="x()">hi<script>alert(1)</script></p>'
    )
    assert msg.body_html == "<p>hi</p>"
    assert (
        Message.objects.filter(ticket=ticket).first().body_html == "<p>a &lt;b&gt;b&lt;/b&gt;</p>"
    )


def test_events_are_append_only(frozen_now, make_org, make_contact):
    org = make_org("houseware")
    ticket = services.open_ticket(
        organization=org, requester=make_contact(org), subject="x", description="y"
    )
    event = TicketEvent.objects.filter(ticket=ticket).first()
    event.data = {"rewritten": True}
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_contact_of_another_organization_cannot_open_or_reply(frozen_now, make_org, make_contact):
    a, b = make_org("houseware", name="A"), make_org("houseware", name="B")
    with pytest.raises(services.ServiceError):
        services.open_ticket(
            organization=a, requester=make_contact(b), subject="x", description="y"
        )
    ticket = services.open_ticket(
        organization=a, requester=make_contact(a), subject="x", description="y"
    )
    with pytest.raises(services.ServiceError):
        services.reply(ticket, author=make_contact(b, "other@b.example"), body="hi")


def test_editing_a_policy_file_does_not_move_old_deadlines_until_retargeted(
    frozen_now, make_org, make_contact, agent, settings, tmp_path
):
    # given a Houseware ticket opened under the seed text: P2 48 hours
    (tmp_path / "houseware.yaml").write_text(
        (settings.SLADESK_POLICY_DIR / "houseware.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    settings.SLADESK_POLICY_DIR = tmp_path
    policies.reload()
    org = make_org("houseware")
    frozen_now.set(T("2026-11-26T00:00:00+00:00"))
    ticket = services.open_ticket(
        organization=org, requester=make_contact(org), subject="x", description="y"
    )
    assert SlaClock.objects.get(ticket=ticket).due_at == T("2026-11-28T00:00:00+00:00")

    # when the file changes (P2 now 12 hours) and the registry reloads
    path = tmp_path / "houseware.yaml"
    path.write_text(
        path.read_text().replace(
            "priority: P2, first_response: 48 hours", "priority: P2, first_response: 12 hours"
        )
    )
    policies.reload()
    frozen_now.set(T("2026-11-26T06:00:00+00:00"))
    # then the old ticket keeps its deadline, a new ticket gets the new one
    services.refresh_clocks(ticket)
    assert SlaClock.objects.get(ticket=ticket).due_at == T("2026-11-28T00:00:00+00:00")
    fresh = services.open_ticket(
        organization=org, requester=make_contact(org, "b@x.example"), subject="x", description="y"
    )
    assert SlaClock.objects.get(ticket=fresh).due_at == T("2026-11-26T18:00:00+00:00")

    # when an agent re-targets the old ticket explicitly: 12 h from its start → 12:00 UTC
    old_digest = ticket.policy_digest
    ticket = services.retarget_policy(ticket, actor=agent, reason="contract amended")
    assert SlaClock.objects.get(ticket=ticket).due_at == T("2026-11-26T12:00:00+00:00")
    [event] = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.POLICY)
    assert (
        event.data["from_digest"] == old_digest and event.data["to_digest"] == ticket.policy_digest
    )
    policies.reload()


def test_breaching_before_lists_tickets_with_a_running_clock_due_before(
    frozen_now, make_org, make_contact, agent
):
    org = make_org("houseware")
    frozen_now.set(T("2026-11-26T00:00:00+00:00"))
    p0 = services.open_ticket(
        organization=org,
        requester=make_contact(org),
        subject="a",
        description="a",
        priority="P0",
        actor=agent,
    )  # due +24 h
    services.open_ticket(
        organization=org,
        requester=make_contact(org, "c@x.example"),
        subject="b",
        description="b",
        priority="P3",
        actor=agent,
    )  # due +72 h
    found = selectors.ticket_list(agent, breaching_before=T("2026-11-27T06:00:00+00:00"))
    assert [t.pk for t in found] == [p0.pk]


def test_demo_data_loads_once(db, frozen_now):
    from sladesk.accounts.models import Organization
    from sladesk.demo import data

    frozen_now.set(T("2026-11-24T12:00:00+00:00"))
    assert data.load() is True
    count = Ticket.objects.count()
    assert data.load() is False
    assert Ticket.objects.count() == count >= 24
    assert set(Organization.objects.values_list("policy_name", flat=True)) == {
        "particle-enterprise",
        "particle-accelerator",
        "esper",
        "houseware",
        "freistilbox",
    }


def test_admin_pages_render_for_every_model(admin_client, frozen_now, make_org, make_contact):
    from django.apps import apps
    from django.contrib import admin as django_admin
    from django.urls import reverse

    org = make_org("houseware")
    ticket = services.open_ticket(
        organization=org, requester=make_contact(org), subject="x", description="y"
    )
    for model in apps.get_models():
        if model not in django_admin.site._registry:
            continue
        meta = model._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert admin_client.get(url).status_code == 200, url
    url = reverse("admin:tickets_ticket_change", args=[ticket.pk])
    assert admin_client.get(url).status_code == 200


def _written(ticket):
    """What opening wrote for ``ticket``, without row ids: events, clocks, timers."""
    from sladesk.notify.models import Timer

    events = [
        (e.kind, {k: v for k, v in e.data.items() if k not in ("message_id", "page")})
        for e in TicketEvent.objects.filter(ticket=ticket).order_by("id")
    ]
    clocks = sorted(
        SlaClock.objects.filter(ticket=ticket).values_list("metric", "state", "due_at", "warn_at")
    )
    timers = sorted(Timer.objects.filter(ticket=ticket).values_list("kind", "state", "fire_at"))
    return events, clocks, timers


def test_open_tickets_writes_what_open_ticket_writes_for_each(frozen_now, make_org, make_contact):
    # given two organizations on different policies and one instant
    frozen_now.set(T("2026-11-30T10:00:00-08:00"))
    particle = make_org("particle-enterprise", region="na")
    houseware = make_org("houseware")
    jane, bob = make_contact(particle), make_contact(houseware)
    # when one ticket each is opened alone, then the same two together
    alone = [
        services.open_ticket(
            organization=particle, requester=jane, subject="a", description="x", priority="P1"
        ),
        services.open_ticket(organization=houseware, requester=bob, subject="b", description="y"),
    ]
    together = services.open_tickets(
        [
            services.OpenRequest(
                organization=particle, requester=jane, subject="a", description="x", priority="P1"
            ),
            services.OpenRequest(
                organization=houseware, requester=bob, subject="b", description="y"
            ),
        ]
    )
    # then each ticket of the pair has the events, clocks and timers of its twin opened alone,
    #      its first message and its opening snapshot; numbers follow the request order
    assert [t.subject for t in together] == ["a", "b"] and together[0].pk < together[1].pk
    for single, bulk in zip(alone, together, strict=True):
        assert _written(bulk) == _written(single)
        assert (bulk.priority, bulk.policy_version_id) == (
            single.priority,
            single.policy_version_id,
        )
        assert (
            bulk.opening.message.ticket_id == bulk.pk
            and bulk.opening.message.body_text == single.opening.message.body_text
        )
        assert [c.metric for c in bulk.opening.clocks] == [c.metric for c in single.opening.clocks]
    assert _written(together[0])[0][0][0] == EventKind.CREATED


def test_open_tickets_opens_none_when_one_request_is_refused(make_org, make_contact):
    # given a valid request and one whose requester belongs to another organization
    particle, houseware = make_org("particle-enterprise", region="na"), make_org("houseware")
    jane = make_contact(particle)
    # when they are opened together, then nothing is opened
    with pytest.raises(services.ServiceError):
        services.open_tickets(
            [
                services.OpenRequest(
                    organization=particle, requester=jane, subject="a", description="x"
                ),
                services.OpenRequest(
                    organization=houseware, requester=jane, subject="b", description="y"
                ),
            ]
        )
    assert not Ticket.objects.exists()
