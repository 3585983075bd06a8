"""The ticket services announce what happened; the apps above react (sladesk.tickets.announce)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from sladesk.tickets import services
from sladesk.tickets.announce import (
    IN_TRANSACTION,
    ON_COMMIT,
    AgentReplied,
    ClocksChanged,
    DomainEvent,
    TicketEscalated,
    TicketOpened,
    TicketReopened,
    subscribe,
    unsubscribe,
)
from sladesk.tickets.models import SlaClock, Ticket


class Boom(Exception):
    pass


@pytest.fixture
def heard() -> Iterator[list[DomainEvent]]:
    """Every event announced while the test runs, in order (an in-transaction listener)."""
    events: list[DomainEvent] = []
    subscribe(DomainEvent, events.append, phase=IN_TRANSACTION)
    yield events
    unsubscribe(DomainEvent, events.append, phase=IN_TRANSACTION)


def test_opening_a_ticket_announces_its_new_clocks_then_the_opening(
    frozen_now, make_org, make_contact, heard
):
    # given a Particle enterprise customer
    org = make_org("particle-enterprise", region="na")
    contact = make_contact(org)
    # when a P1 ticket is opened
    ticket = services.open_ticket(
        organization=org, requester=contact, subject="down", description="d", priority="P1"
    )
    # then the clocks it started were announced as new, then the opening with the reasons to page
    clocks_changed, opened = heard
    assert isinstance(clocks_changed, ClocksChanged) and clocks_changed.new
    assert sorted(c.pk for c in clocks_changed.clocks) == sorted(
        SlaClock.objects.filter(ticket=ticket).values_list("pk", flat=True)
    )
    assert isinstance(opened, TicketOpened) and opened.ticket.pk == ticket.pk
    assert opened.pages  # the policy pages on-call for a P1


def test_an_agent_reply_and_a_reopen_are_announced(
    frozen_now, make_org, make_contact, agent, heard
):
    # given an open ticket
    org = make_org("particle-enterprise", region="na")
    ticket = services.open_ticket(
        organization=org, requester=make_contact(org), subject="s", description="d"
    )
    heard.clear()
    # when an agent replies in public, solves it and reopens it
    message = services.reply(ticket, author=agent, body="On it.")
    services.solve(ticket, actor=agent)
    frozen_now.set(frozen_now.at + timedelta(minutes=5))
    services.reopen(ticket, actor=agent)
    # then the reply was announced with its message, and the reopen with when it was solved
    [replied] = [e for e in heard if isinstance(e, AgentReplied)]
    assert replied.message.pk == message.pk
    [reopened] = [e for e in heard if isinstance(e, TicketReopened)]
    assert (
        reopened.solved_at == frozen_now.at - timedelta(minutes=5) and reopened.at == frozen_now.at
    )


def test_escalate_returns_who_the_reaction_told(frozen_now, make_org, make_contact, agent, heard):
    # given a Houseware ticket (a ladder) and nobody on the account team for its first rung
    org = make_org("houseware", name="Bright")
    ticket = services.open_ticket(
        organization=org, requester=make_contact(org), subject="s", description="d"
    )
    # when an agent escalates
    escalated = services.escalate(ticket, actor=agent, reason="no answer")
    # then the event carried the rung and the reason, and its told list is what escalate returns
    [event] = [e for e in heard if isinstance(e, TicketEscalated)]
    assert (event.level, event.rung.role, event.reason) == (
        1,
        "Customer Happiness Manager",
        "no answer",
    )
    assert escalated.escalation_told is event.told and event.told == []


def test_a_failing_in_transaction_reaction_rolls_the_change_back(
    frozen_now, make_org, make_contact
):
    # given a reaction that fails
    def fail(event: TicketOpened) -> None:
        raise Boom

    org = make_org("particle-enterprise", region="na")
    contact = make_contact(org)
    subscribe(TicketOpened, fail, phase=IN_TRANSACTION)
    try:
        # when a ticket is opened
        with pytest.raises(Boom):
            services.open_ticket(organization=org, requester=contact, subject="s", description="d")
    finally:
        unsubscribe(TicketOpened, fail, phase=IN_TRANSACTION)
    # then nothing of it was kept
    assert not Ticket.objects.exists() and not SlaClock.objects.exists()


def test_after_commit_reactions_run_only_once_the_change_commits(
    frozen_now, make_org, make_contact, django_capture_on_commit_callbacks
):
    # given an after-commit listener
    seen: list[TicketOpened] = []
    org = make_org("particle-enterprise", region="na")
    contact = make_contact(org)
    subscribe(TicketOpened, seen.append, phase=ON_COMMIT)
    try:
        # when a ticket is opened and its transaction commits
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            ticket = services.open_ticket(
                organization=org, requester=contact, subject="s", description="d"
            )
            # then it has not run inside the change
            assert seen == []
        for callback in callbacks:
            callback()
    finally:
        unsubscribe(TicketOpened, seen.append, phase=ON_COMMIT)
    # and it ran once after it
    assert [e.ticket.pk for e in seen] == [ticket.pk]


def test_breach_due_clocks_records_each_breach_once_at_its_due_instant(
    frozen_now, make_org, make_contact
):
    # given two tickets whose first response is overdue
    org = make_org("particle-enterprise", region="na")
    contact = make_contact(org)
    tickets = [
        services.open_ticket(
            organization=org, requester=contact, subject=s, description="d", priority="P1"
        )
        for s in ("a", "b")
    ]
    clocks = list(SlaClock.objects.filter(ticket__in=tickets, metric="first_response"))
    due = {c.pk: c.due_at for c in clocks}
    later = frozen_now.set(max(due.values()) + timedelta(hours=1))
    # when the breach is recorded for the batch, twice
    first = services.breach_due_clocks(clocks, later)
    again = services.breach_due_clocks(list(SlaClock.objects.filter(pk__in=due)), later)
    # then each clock breached once, at its due instant, with one clock entry
    assert sorted(c.clock.pk for c in first) == sorted(due) and again == []
    for clock in SlaClock.objects.filter(pk__in=due):
        assert clock.state == "breached" and clock.breached_at == due[clock.pk]
        entries = clock.ticket.events.filter(
            kind="clock", data__metric="first_response", data__to="breached"
        )
        assert [e.at for e in entries] == [due[clock.pk]]
