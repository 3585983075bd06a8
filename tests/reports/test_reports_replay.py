"""Replay: under the policy a ticket ran with, its clocks come back exactly; under another
policy the flips are reported; the ``sladesk sla replay`` command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from sladesk.cli import main as sladesk_main
from sladesk.reports.cli import main as replay_main
from sladesk.reports.replay import replay, replay_clocks
from sladesk.tickets.models import SlaClock, Ticket, TicketEvent

pytestmark = pytest.mark.django_db

FIELDS = (
    "state",
    "started_at",
    "running_since",
    "used",
    "target_work",
    "calendar_name",
    "due_at",
    "warn_at",
    "met_at",
    "breached_at",
    "cycle",
    "breach_count",
    "pauses",
)


def test_replay_under_the_same_policy_reproduces_every_clock(scenario):
    # given the scenario's tickets (pending/resume, priority change, reopen, solve, breach, merge)
    checked = 0
    for ticket in Ticket.objects.select_related("policy_version"):
        events = TicketEvent.objects.filter(ticket=ticket).order_by("at", "id")
        # when its history is replayed under the policy it ran with
        got = replay_clocks(ticket, events, ticket.policy_version.policy, scenario.end)
        # then every clock comes back field for field
        stored = {c.metric: c for c in SlaClock.objects.filter(ticket=ticket)}
        assert set(got) == set(stored), ticket
        for metric, clock in stored.items():
            for f in FIELDS:
                a, b = getattr(got[metric], f), getattr(clock, f)
                if f == "pauses":  # the same instants, whatever offset they were written in
                    a, b = _instants(a), _instants(b)
                assert a == b, (ticket.subject, metric, f)
            checked += 1
    assert checked >= 15


def _instants(pauses):
    from datetime import datetime

    return [
        (
            datetime.fromisoformat(p["from"]),
            p["to"] and datetime.fromisoformat(p["to"]),
            p["reason"],
        )
        for p in pauses
    ]


def test_replay_under_a_stricter_policy_flips_met_to_breached(scenario, tmp_path):
    # given particle-enterprise with every first response due in 1 minute
    from django.conf import settings

    from sladesk.sla import load_policy

    text = (Path(settings.SLADESK_POLICY_DIR) / "particle-enterprise.yaml").read_text()
    strict = tmp_path / "strict.yaml"
    strict.write_text(_tighten(text))
    policy = load_policy(strict)
    # when Acme's tickets are replayed under it
    acme = scenario.orgs[0]
    report = replay(Ticket.objects.filter(organization=acme), policy, scenario.end).as_json()
    # then the on-time P2 reply flips to breached, and before/after count the same clocks
    assert {
        "ticket": scenario.tickets["ontime"].pk,
        "metric": "first_response",
        "before": "met",
        "after": "breached",
    } in report["flipped"]
    before, after = (
        report["before"]["first_response"]["P2"],
        report["after"]["first_response"]["P2"],
    )
    assert before["tickets"] == after["tickets"] and after["breached"] > before["breached"]


def _tighten(text: str) -> str:
    import re

    return re.sub(r"(first_response:\s*)[^,}\n]+", r"\g<1>1 minute", text)


def test_cli_json_and_errors(scenario, tmp_path, capsys):
    from django.conf import settings

    path = str(Path(settings.SLADESK_POLICY_DIR) / "particle-enterprise.yaml")
    # when replayed under the same file, with --json
    out = io.StringIO()
    assert (
        replay_main(
            [
                "--policy",
                path,
                "--organization",
                scenario.orgs[0].slug,
                "--since",
                "2026-10-01",
                "--json",
            ],
            out,
        )
        == 0
    )
    data = json.loads(out.getvalue())
    # then Acme's tickets are counted and nothing flips
    assert data["tickets"] == Ticket.objects.filter(organization=scenario.orgs[0]).count()
    assert data["flipped"] == [] and data["before"] == data["after"]
    # bad input: one clear line, status 2
    assert replay_main(["--policy", path, "--since", "yesterday"]) == 2
    assert "--since" in capsys.readouterr().err
    assert replay_main(["--policy", str(tmp_path / "nope.yaml"), "--since", "2026-01-01"]) == 2
    assert replay_main(["--policy", path, "--organization", "nobody", "--since", "2026-01-01"]) == 2
    assert "nobody" in capsys.readouterr().err


def test_sladesk_sla_replay_reaches_the_server_side(scenario, capsys):
    from django.conf import settings

    path = str(Path(settings.SLADESK_POLICY_DIR) / "houseware.yaml")
    # when `sladesk sla replay` runs through the top-level command
    code = sladesk_main(["sla", "replay", "--policy", path, "--since", "2026-10-01"])
    # then the server side answered (not the pure CLI's usage error)
    assert code == 0
    assert "tickets replayed under" in capsys.readouterr().out
