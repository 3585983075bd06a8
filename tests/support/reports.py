"""A scenario-rich set of tickets for the reports tests (registered in tests/conftest.py).

``scenario`` opens tickets under three seed policies across a month boundary and the end
of DST (US: Sun 1 Nov 2026; EU: Sun 25 Oct 2026) through the ticket services only:
replied on time, breached and met late (by the breach timers), pending and resumed,
priority changed (re-targeted into a breach), solved and reopened, merged, dispatched
(freistilbox), and left running. Returns the tickets and the instant it ends at.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

__all__ = ["T", "scenario"]

T = datetime.fromisoformat


@pytest.fixture
def scenario(
    db: None,
    warm_policy_cache: Any,
    frozen_now: Any,
    make_org: Any,
    make_contact: Any,
    agent: Any,
    team: Any,
) -> SimpleNamespace:
    from sladesk.notify.timers import fire_due
    from sladesk.tickets import services

    acme = make_org("particle-enterprise", region="na", name="Acme")
    bright = make_org("houseware", name="Bright")
    webwerk = make_org("freistilbox", plan="standard", name="Webwerk")
    people = {o.pk: make_contact(o) for o in (acme, bright, webwerk)}

    def at(text: str) -> datetime:
        return frozen_now.set(T(text))

    def open_(org: Any, priority: str, subject: str) -> Any:
        return services.open_ticket(
            organization=org,
            requester=people[org.pk],
            subject=subject,
            description="help",
            priority=priority,
            custom_fields={"device_os_supported": True},
        )

    def tick(to: str) -> None:
        """Let the breach timers run up to ``to``."""
        fire_due(now=at(to))

    t: dict[str, Any] = {}
    # Thu 29 Oct, before the US DST change: answered in time, solved
    at("2026-10-29T10:00:00-07:00")
    t["ontime"] = open_(acme, "P2", "on time")
    at("2026-10-29T11:00:00-07:00")
    services.reply(t["ontime"], author=agent, body="on it")
    # Fri 30 Oct 16:00 PDT: P1 with no answer over the DST weekend -> breached, met late
    at("2026-10-30T16:00:00-07:00")
    t["late"] = open_(acme, "P1", "late reply")
    t["pending"] = open_(acme, "P2", "pending and resumed")
    t["reprio"] = open_(acme, "P3", "re-targeted")
    t["reopened"] = open_(bright, "P2", "reopened")
    at("2026-10-30T16:30:00-07:00")
    services.reply(t["pending"], author=agent, body="need details")
    services.set_pending(t["pending"], actor=agent, reason="waiting")
    services.reply(t["reopened"], author=agent, body="fixed")
    services.solve(t["reopened"], actor=agent, reason="fixed")
    tick("2026-11-02T06:00:00-08:00")  # Mon after the change: P1 breached over the weekend
    at("2026-11-02T09:15:00-08:00")
    services.reply(t["late"], author=agent, body="sorry")
    services.reply(t["pending"], author=people[acme.pk], body="details")
    services.change_priority(t["reprio"], priority="P1", actor=agent, reason="outage")
    services.reopen(t["reopened"], actor=people[bright.pk], reason="broke again")
    services.solve(t["ontime"], actor=agent, reason="done")
    # Sat 31 Oct 23:30 UTC vs 1 Nov: month boundary in UTC
    at("2026-10-31T23:30:00+00:00")
    t["oct_edge"] = open_(webwerk, "normal", "october edge")
    at("2026-11-01T00:30:00+00:00")
    t["nov_edge"] = open_(webwerk, "normal", "november edge")
    t["merged"] = open_(webwerk, "normal", "duplicate")
    at("2026-11-02T10:00:00+01:00")
    services.assign(t["oct_edge"], team=team, actor=agent)
    services.merge(t["merged"], into=t["nov_edge"], actor=agent)
    tick("2026-11-04T12:00:00-08:00")
    at("2026-11-04T12:00:00-08:00")
    services.solve(t["pending"], actor=agent, reason="done")
    services.reply(t["reprio"], author=agent, body="late")
    t["running"] = open_(acme, "P4", "still running")
    end = at("2026-11-04T13:00:00-08:00")
    for ticket in t.values():
        services.refresh_clocks(ticket, end)
    return SimpleNamespace(
        tickets=t,
        end=end,
        orgs=(acme, bright, webwerk),
        agent=agent,
        team=team,
        people=people,
        hours=timedelta(hours=1),
    )
