"""Fixtures for the on-call tests (registered in tests/conftest.py).

Builds on ``timer_support``'s ``desk`` (loopback PagerDuty and Slack, SMTP capture, frozen
clock): adds agents, schedules, escalation policies named like the seed policies, and a
Twilio-compatible loopback receiver.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from support.receivers import HttpReply

__all__ = ["oncall_desk"]


@pytest.fixture
def oncall_desk(desk: SimpleNamespace, http_receiver: Any, settings: Any) -> SimpleNamespace:
    """``desk`` plus: agents primary (``pia``), secondary (``sam``) in team ``support``;
    ``make_user``, ``schedule(name, *usernames)`` (weekly from 2026-01-05 09:00 Berlin),
    ``policy(name, *steps, repeat=0)``; a Twilio-compatible receiver (``twilio``) and a
    personal Slack webhook receiver (``personal``)."""
    from django.contrib.auth.models import User

    from sladesk.accounts.models import AgentProfile, Team
    from sladesk.oncall.services.policies import create_escalation_policy
    from sladesk.oncall.services.schedules import create_schedule

    team = Team.objects.create(name="Support", slug="support")

    def make_user(name: str) -> Any:
        user = User.objects.create_user(name, f"{name}@desk.example", "pw", is_staff=False)
        AgentProfile.objects.create(user=user, timezone="Europe/Berlin").teams.add(team)
        return user

    def schedule(name: str, *people: str, **kw: Any) -> Any:
        rotation = {"participants": list(people), "length": "1w", "handoff": "2026-01-05T09:00", **kw}
        return create_schedule(team=team, name=name, timezone="Europe/Berlin", rotations=[rotation])

    def policy(name: str, *steps: dict[str, Any], repeat: int = 0) -> Any:
        return create_escalation_policy(name=name, steps=list(steps), repeat=repeat, timezone="Europe/Berlin")

    twilio = http_receiver(default=HttpReply(201, '{"sid": "SM123"}'))
    personal = http_receiver(default=HttpReply(200, "ok"))
    settings.SLADESK_ONCALL = {
        "twilio": {"account_sid": "AC0000", "auth_token": "tok3n", "from_number": "+15550000",
                   "base_url": twilio.url("")},
        "pagerduty_webhook_secrets": ["pd-secret"],
    }
    primary, secondary = make_user("pia"), make_user("sam")
    desk.__dict__.update(team_support=team, make_user=make_user, schedule=schedule, policy=policy,
                         twilio=twilio, personal=personal, primary=primary, secondary=secondary)
    return desk


def emails_to(desk: SimpleNamespace, address: str) -> list[Any]:
    return [m for m in desk.smtp.messages if address in m.rcpt_tos]


def make_ticket(desk: SimpleNamespace, policy: str, **kw: Any) -> Any:
    from sladesk.accounts.models import Contact, Organization
    from sladesk.tickets import services

    where = {k: kw.pop(k) for k in ("region", "plan") if k in kw}
    org = Organization.objects.filter(policy_name=policy, **where).first() or desk.make_org(policy, **where)
    contact = Contact.objects.filter(organization=org).first() or desk.make_contact(org)
    return services.open_ticket(organization=org, requester=contact, subject=kw.pop("subject", "Down"),
                                description="Everything is down", **kw)


Maker = Callable[..., Any]
