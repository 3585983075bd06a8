"""Deadlines explained in words (`sladesk.sla.explain`, `Policy.explain`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from sladesk.sla import Policy

Seed = Callable[[str], Policy]


def at(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, text
    return value


@pytest.mark.parametrize(
    ("name", "priority", "kwargs", "start", "metric", "words"),
    [
        (
            "particle-enterprise",
            "P2",
            {},
            "2026-11-25T16:30-08:00",
            "first_response",
            "4 business hours from Wed 25 Nov 16:30 PST: 30 min on Wed, Thu 26 Nov closed "
            "(Thanksgiving Day), 3 h 30 min on Fri → due Fri 27 Nov 12:30 PST",
        ),
        (
            "particle-enterprise",
            "P1",
            {},
            "2026-11-25T16:30-08:00",
            "first_response",
            "1 hour calendar time from Wed 25 Nov 16:30 PST → due Wed 25 Nov 17:30 PST",
        ),
        (
            # a start outside hours says when the clock starts; a run of full days is compressed
            "particle-enterprise",
            "P3",
            {},
            "2026-11-28T10:00-08:00",
            "resolution",
            "5 business days (40 h) from Sat 28 Nov 10:00 PST (outside hours; the clock starts "
            "Mon 30 Nov 09:00 PST): 8 h a day Mon 30 Nov–Fri 4 Dec → due Fri 4 Dec 17:00 PST",
        ),
        (
            # the Christmas run in England, 2027
            "particle-enterprise",
            "P3",
            {"region": "emea"},
            "2027-12-24T09:00+00:00",
            "first_response",
            "2 business days (16 h) from Fri 24 Dec 09:00 GMT: 8 h on Fri, Mon 27 Dec closed "
            "(Christmas Day (observed)), Tue 28 Dec closed (Boxing Day (observed)), 8 h on Wed "
            "→ due Wed 29 Dec 17:00 GMT",
        ),
        (
            # the year is shown when the deadline falls in another year
            "houseware",
            "P3",
            {},
            "2026-12-30T12:00+00:00",
            "first_response",
            "72 hours calendar time from Wed 30 Dec 12:00 UTC → due Sat 2 Jan 2027 12:00 UTC",
        ),
        (
            # a target on another calendar than the plan's says which
            "freistilbox",
            "normal",
            {"plan": "enterprise"},
            "2026-11-25T22:30+01:00",
            "dispatch",
            "1 business hour of office hours from Wed 25 Nov 22:30 CET (outside hours; the clock "
            "starts Thu 26 Nov 08:00 CET): 1 h on Thu → due Thu 26 Nov 09:00 CET",
        ),
    ],
)
def test_explanations(
    seed: Seed,
    name: str,
    priority: str,
    kwargs: dict[str, str],
    start: str,
    metric: str,
    words: str,
) -> None:
    # given a ticket / when explained / then the words say how the due instant comes about
    assert seed(name).explain(priority, at(start), **kwargs)[metric] == words


def test_explain_has_the_keys_of_due(seed: Seed) -> None:
    # given an Esper Sev1 (continuous follow-up) / then explain and due agree on the metrics
    p = seed("esper")
    start = at("2026-11-30T09:00-08:00")
    assert set(p.explain("Sev1", start)) == set(p.due("Sev1", start)) == {"first_response"}


def test_continuous_target_words(seed: Seed) -> None:
    from sladesk.sla.explain import explain_target

    target = seed("esper").targets("Sev1")["next_update"]
    words = explain_target(target, at("2026-11-30T09:00-08:00"))
    assert words == "Continuous work until resolution: no timer (flagged for continuous work)"


@pytest.mark.parametrize(
    "name", ["particle-enterprise", "particle-accelerator", "esper", "houseware", "freistilbox"]
)
def test_the_days_explained_add_up_to_the_target(seed: Seed, name: str) -> None:
    # given random tickets over 2024-2029 (fixed seed) on every plan and region
    import random
    from datetime import UTC, timedelta

    rng = random.Random(name)
    p = seed(name)
    for _ in range(60):
        start = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(6 * 365 * 86400))
        plan = rng.choice([*p.plans, None])
        region = rng.choice([*p.regions, None])
        for target in p.targets(rng.choice(p.priorities).key, plan, region).values():
            due = target.due(start)
            if due is None:
                continue
            # then the working time up to the due instant is the target, and the per-day
            # pieces the explanation is built from sum to it
            assert target.calendar.elapsed(start, due) == target.work
            pieces = target.calendar.segments(start, due)
            if target.business:
                assert sum((s.worked for s in pieces), timedelta(0)) == target.work
