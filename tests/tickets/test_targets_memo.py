"""`tickets.clocks.targets_of` is memoised per policy digest, priority, plan and region."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_targets_follow_the_tickets_priority_plan_region_and_policy(
    make_org, make_contact, frozen_now
):
    from sladesk.tickets import clocks, services

    # given P2 tickets under two policies and one under a region of the first
    acme = make_org("particle-enterprise", name="Acme")
    emea = make_org("particle-enterprise", region="emea", name="Emea")
    globex = make_org("houseware", name="Globex")

    def open_p2(org):
        return services.open_ticket(
            organization=org,
            requester=make_contact(org),
            subject="s",
            description="d",
            priority="P2",
        )

    ticket, regional, other = open_p2(acme), open_p2(emea), open_p2(globex)
    # when their targets are read (twice: the second from the memo), and after a priority change
    first = clocks.targets_of(ticket)
    again = clocks.targets_of(ticket)
    p1 = clocks.targets_of(ticket, "P1")
    services.change_priority(ticket, priority="P1", actor=None, reason="outage")
    ticket.refresh_from_db()
    changed = clocks.targets_of(ticket)
    # then each is what the ticket's own policy computes for it now
    policy = ticket.policy_version.policy
    assert first == again == policy.targets("P2")
    assert p1 == changed == policy.targets("P1") != first
    assert clocks.targets_of(regional) == regional.policy_version.policy.targets(
        "P2", region="emea"
    )
    assert clocks.targets_of(other) == other.policy_version.policy.targets("P2")
    assert clocks.targets_of(other) != first
