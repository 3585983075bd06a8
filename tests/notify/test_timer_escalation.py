"""An escalation ladder's ``after:`` rungs are climbed by time, through the real timer
worker: once per rung, with an ``escalation`` event and the mail the rung names; not on a
solved ticket; an escalation by hand meanwhile moves the climb.

Particle Enterprise, region NA: 9-17 Pacific (8-hour business day), US holidays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sladesk.accounts.models import AccountTeamMember
from sladesk.core import policies
from sladesk.notify.models import OutboxMessage, Timer, TimerState
from sladesk.tickets import services
from sladesk.tickets.models import Ticket
from support.clock import T
from support.timers import drain

pytestmark = pytest.mark.django_db

_PARTICLE_LADDER = """
escalation:
  - {role: Support Manager, after: 4 business hours, contact: manager@particle.example}
  - {role: Director of Support, after: 1 business day, contact: director@particle.example}
  - {role: VP Customer Success, contact: vp@particle.example}
"""


@pytest.fixture
def policy_text(settings, tmp_path: Path) -> Iterator[Callable[[str, Callable[[str], str]], None]]:
    """Load ``<name>.yaml`` rewritten by ``edit`` from a policy directory of this test's own."""
    original = settings.SLADESK_POLICY_DIR

    def write(name: str, edit: Callable[[str], str]) -> None:
        text = (Path(original) / f"{name}.yaml").read_text(encoding="utf-8")
        (tmp_path / f"{name}.yaml").write_text(edit(text), encoding="utf-8")
        settings.SLADESK_POLICY_DIR = tmp_path
        policies.reload()

    yield write
    settings.SLADESK_POLICY_DIR = original
    policies.reload()


def _escalation_timer(ticket):
    return Timer.objects.get(ticket=ticket, kind="escalation")


def _level(ticket) -> int:
    return Ticket.objects.get(pk=ticket.pk).escalation_level


def _mailed(desk) -> list[str]:
    """Who the escalation mails went to (the customer's own reply mails left out)."""
    return sorted(
        to for m in desk.smtp.messages if "escalated" in m.message["Subject"] for to in m.rcpt_tos
    )


def test_after_rungs_are_climbed_by_the_timer_once_each(desk, policy_text):
    # given Particle NA with a ladder whose first two rungs have after:, and a P3 opened Mon 10:00
    policy_text("particle-enterprise", lambda text: text + _PARTICLE_LADDER)
    desk.clock.set(T("2026-11-30T10:00:00-08:00"))
    org = desk.make_org("particle-enterprise", region="na")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="P3",
    )
    # then level 1 is armed 4 business hours after opening: Mon 14:00 Pacific
    timer = _escalation_timer(ticket)
    assert (timer.fire_at, timer.generation, timer.state) == (
        T("2026-11-30T14:00:00-08:00"),
        0,
        "pending",
    )
    # when the worker runs just before, nothing happens
    drain(T("2026-11-30T13:59:59-08:00"))
    assert _level(ticket) == 0
    # when it runs at 14:00: level 1, an escalation event saying why, the manager mailed
    desk.clock.set(T("2026-11-30T14:00:00-08:00"))
    drain(desk.clock.at)
    assert _level(ticket) == 1
    step = ticket.events.get(kind="escalation")
    assert (step.actor_label, step.data["level"], step.data["role"]) == (
        "policy",
        1,
        "Support Manager",
    )
    assert step.data["after"] == "4 business hours" and "after opening" in step.data["reason"]
    assert _mailed(desk) == ["manager@particle.example"]
    # and level 2 is armed 1 business day (8 h) after reaching level 1:
    #     Mon 14:00-17:00 + Tue 09:00-14:00
    timer = _escalation_timer(ticket)
    assert (timer.fire_at, timer.generation) == (T("2026-12-01T14:00:00-08:00"), 1)
    # when it fires: level 2, the director mailed; the top rung has no after: nothing armed
    desk.clock.set(T("2026-12-01T14:00:01-08:00"))
    drain(desk.clock.at)
    assert _level(ticket) == 2
    assert _mailed(desk) == ["director@particle.example", "manager@particle.example"]
    fired = _escalation_timer(ticket)
    assert fired.state == TimerState.FIRED
    # when the same timer is made pending again (a retried firing), nothing climbs twice
    Timer.objects.filter(pk=fired.pk).update(state=TimerState.PENDING, fired_at=None)
    drain(desk.clock.at + timedelta(days=3))
    assert _level(ticket) == 2 and ticket.events.filter(kind="escalation").count() == 2
    assert OutboxMessage.objects.filter(purpose="escalation").count() == 2
    assert _escalation_timer(ticket).state == TimerState.CANCELLED


def test_a_solved_ticket_does_not_climb(desk, policy_text):
    # given the same ladder and a ticket solved before its 4 business hours ran out
    policy_text("particle-enterprise", lambda text: text + _PARTICLE_LADDER)
    desk.clock.set(T("2026-11-30T10:00:00-08:00"))
    org = desk.make_org("particle-enterprise", region="na")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="P3",
    )
    services.reply(ticket, author=desk.agent, body="fixed")
    services.solve(ticket, actor=desk.agent, reason="fixed")
    # when the climb comes due
    drain(T("2026-11-30T14:00:01-08:00"))
    # then nothing is escalated and the timer is done with
    assert _level(ticket) == 0 and not ticket.events.filter(kind="escalation").exists()
    assert _escalation_timer(ticket).state == TimerState.CANCELLED


def test_an_escalation_by_hand_moves_the_climb_to_the_next_rung(desk, policy_text):
    # given Houseware (24x7) whose second rung is reached 4 hours after the first, and whose
    # Head of Customer Experience is on the account team
    policy_text(
        "houseware",
        lambda text: text.replace(
            "  - {role: Head of Customer Experience}",
            "  - {role: Head of Customer Experience, after: 4 hours}",
        ),
    )
    desk.clock.set(T("2026-11-24T09:00:00+00:00"))
    org = desk.make_org("houseware")
    head = type(desk.agent).objects.create_user("hedy", "hedy@houseware.example", "pw")
    AccountTeamMember.objects.create(
        organization=org, user=head, role="Head of Customer Experience"
    )
    customer = desk.make_contact(org)
    ticket = services.open_ticket(
        organization=org, requester=customer, subject="s", description="d", actor=customer
    )
    # then nothing is armed before an escalation (level 1 has no after:)
    assert not Timer.objects.filter(ticket=ticket, kind="escalation").exists()
    # when the customer escalates at 10:00 (level 1)
    desk.clock.set(T("2026-11-24T10:00:00+00:00"))
    services.escalate(ticket, actor=customer, reason="no answer on a blocker")
    # then level 2 is armed for 14:00, and at 14:00 the head is told by the timer
    assert _escalation_timer(ticket).fire_at == T("2026-11-24T14:00:00+00:00")
    drain(T("2026-11-24T14:00:01+00:00"))
    assert _level(ticket) == 2
    assert "hedy@houseware.example" in _mailed(desk)
    assert ticket.events.filter(kind="escalation", data__level=2, actor_label="policy").exists()


def test_a_timer_armed_on_a_level_the_ticket_has_left_is_stale(desk, policy_text):
    # given level 1 armed for Mon 14:00, and an agent escalating by hand at 11:00 (level 1)
    policy_text("particle-enterprise", lambda text: text + _PARTICLE_LADDER)
    desk.clock.set(T("2026-11-30T10:00:00-08:00"))
    org = desk.make_org("particle-enterprise", region="na")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="P3",
    )
    desk.clock.set(T("2026-11-30T11:00:00-08:00"))
    services.escalate(ticket, actor=desk.agent, reason="customer called")
    # then the one timer now waits for level 2, 1 business day after 11:00 (Tue 11:00)
    timer = _escalation_timer(ticket)
    assert (timer.fire_at, timer.generation) == (T("2026-12-01T11:00:00-08:00"), 1)
    # when 14:00 Monday passes nothing climbs (the level-1 climb is gone)
    drain(T("2026-11-30T14:00:01-08:00"))
    assert _level(ticket) == 1


def test_a_climb_that_came_due_while_solved_is_re_armed_on_reopen(desk, policy_text):
    # given Particle NA's ladder (level 1 after 4 business hours) and a P3 opened Mon 10:00,
    # solved at 12:00 with 2 of the 4 business hours used
    policy_text("particle-enterprise", lambda text: text + _PARTICLE_LADDER)
    desk.clock.set(T("2026-11-30T10:00:00-08:00"))
    org = desk.make_org("particle-enterprise", region="na")
    customer = desk.make_contact(org)
    ticket = services.open_ticket(
        organization=org, requester=customer, subject="s", description="d", priority="P3"
    )
    desk.clock.set(T("2026-11-30T12:00:00-08:00"))
    services.reply(ticket, author=desk.agent, body="fixed")
    services.solve(ticket, actor=desk.agent, reason="fixed")
    # and the climb came due at 14:00 while it was solved (cancelled, nothing climbed)
    drain(T("2026-11-30T14:00:01-08:00"))
    assert _escalation_timer(ticket).state == TimerState.CANCELLED
    # when the customer's reply reopens it Tue 10:00
    desk.clock.set(T("2026-12-01T10:00:00-08:00"))
    services.reply(Ticket.objects.get(pk=ticket.pk), author=customer, body="it is back")
    assert Ticket.objects.get(pk=ticket.pk).status == "open"
    # then the climb is armed again for the 2 business hours left, not counting the solved
    # time: Tue 12:00
    timer = _escalation_timer(ticket)
    assert (timer.state, timer.fire_at, timer.generation) == (
        "pending",
        T("2026-12-01T12:00:00-08:00"),
        0,
    )
    # and the timer worker climbs level 1 then, once
    drain(T("2026-12-01T11:59:59-08:00"))
    assert _level(ticket) == 0
    desk.clock.set(T("2026-12-01T12:00:00-08:00"))
    drain(desk.clock.at)
    assert _level(ticket) == 1 and _mailed(desk) == ["manager@particle.example"]


def test_a_reopen_before_the_climb_is_due_moves_it_by_the_solved_time(desk, policy_text):
    # given the same ladder and ticket, solved Mon 12:00 (climb due 14:00)
    policy_text("particle-enterprise", lambda text: text + _PARTICLE_LADDER)
    desk.clock.set(T("2026-11-30T10:00:00-08:00"))
    org = desk.make_org("particle-enterprise", region="na")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="P3",
    )
    desk.clock.set(T("2026-11-30T12:00:00-08:00"))
    services.solve(ticket, actor=desk.agent, reason="fixed")
    # when an agent reopens it at 13:00, before the climb came due
    desk.clock.set(T("2026-11-30T13:00:00-08:00"))
    services.change_status(
        Ticket.objects.get(pk=ticket.pk), status="open", actor=desk.agent, reason="not fixed"
    )
    # then the hour it was solved does not count: the climb moves from 14:00 to 15:00
    timer = _escalation_timer(ticket)
    assert (timer.state, timer.fire_at, timer.generation) == (
        "pending",
        T("2026-11-30T15:00:00-08:00"),
        0,
    )
