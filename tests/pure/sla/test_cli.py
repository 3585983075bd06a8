"""``sladesk sla due`` / ``sladesk sla check`` and the top-level ``sladesk`` dispatch."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sladesk.cli import main
from support.paths import ROOT

ENTERPRISE = str(ROOT / "policies" / "particle-enterprise.yaml")
FREISTILBOX = str(ROOT / "policies" / "freistilbox.yaml")


def test_due_text(capsys: pytest.CaptureFixture[str]) -> None:
    # given the Thanksgiving example / when run in-process
    code = main(["sla", "due", ENTERPRISE, "--priority", "P2", "--at", "2026-11-25T16:30-08:00"])
    out = capsys.readouterr().out
    # then each target's due instant and its explanation are printed
    assert code == 0
    assert "first_response  2026-11-27T12:30:00-08:00" in out
    assert (
        "Thu 26 Nov closed (Thanksgiving Day), 3 h 30 min on Fri → due Fri 27 Nov 12:30 PST" in out
    )
    assert "resolution      2026-11-30T16:30:00-08:00" in out


def test_due_text_mentions_paging(capsys: pytest.CaptureFixture[str]) -> None:
    main(["sla", "due", FREISTILBOX, "--priority", "urgent", "--at", "2026-11-28T10:00+01:00"])
    out = capsys.readouterr().out
    assert "page on-call: urgent pages on-call on creation" in out
    assert "page on-call: created outside office hours" in out


def test_due_json(capsys: pytest.CaptureFixture[str]) -> None:
    # given freistilbox enterprise out of hours / when --json
    code = main(
        [
            "sla",
            "due",
            FREISTILBOX,
            "--priority",
            "High",
            "--at",
            "2026-11-25T22:30+01:00",
            "--plan",
            "enterprise",
            "--json",
        ]
    )
    doc = json.loads(capsys.readouterr().out)
    # then the documented shape
    assert code == 0
    assert list(doc) == ["policy", "priority", "plan", "region", "opened", "targets"]
    assert (doc["policy"], doc["priority"], doc["plan"], doc["region"]) == (
        "freistilbox",
        "high",
        "enterprise",
        None,
    )
    assert set(doc["targets"]) == {"first_response", "dispatch"}
    first = doc["targets"]["first_response"]
    assert first["due"] == "2026-11-26T02:30:00+01:00"  # 4 h calendar time
    assert (first["duration"], first["calendar"], first["business"]) == ("4 hours", "24x7", False)
    dispatch = doc["targets"]["dispatch"]
    assert dispatch["due"] == "2026-11-26T09:00:00+01:00"
    assert (dispatch["calendar"], dispatch["page_on_breach"]) == ("office", True)


def test_due_json_region_and_continuous(capsys: pytest.CaptureFixture[str]) -> None:
    main(
        [
            "sla",
            "due",
            ENTERPRISE,
            "--priority",
            "p1",
            "--at",
            "2026-11-25T10:00Z",
            "--json",
            "--region",
            "emea",
        ]
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["region"] == "emea" and doc["priority"] == "P1"
    assert doc["targets"]["resolution"]["met_by_downgrade_to"] == "P2"
    assert doc["targets"]["resolution"]["due"] == "2026-11-27T10:00:00+00:00"
    esper = str(ROOT / "policies" / "esper.yaml")
    main(["sla", "due", esper, "--priority", "Sev1", "--at", "2026-11-25T10:00Z", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert doc["plan"] == "standard"
    assert doc["targets"]["next_update"]["due"] is None
    assert doc["targets"]["next_update"]["continuous"] is True


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--priority", "P9", "--at", "2026-11-25T10:00Z"], "unknown priority 'P9'"),
        (["--priority", "P1", "--at", "2026-11-25T10:00"], "has no UTC offset"),
        (["--priority", "P1", "--at", "next tuesday"], "not an ISO 8601 time"),
        (
            ["--priority", "P1", "--at", "2026-11-25T10:00Z", "--plan", "gold"],
            "unknown plan 'gold'",
        ),
        (["--priority", "P1", "--at", "2026-11-25T10:00Z", "--region", "mars"], "unknown region"),
        (["--at", "2026-11-25T10:00Z"], "--priority"),
    ],
)
def test_due_bad_input_is_one_line_exit_2(
    capsys: pytest.CaptureFixture[str], args: list[str], words: str
) -> None:
    assert main(["sla", "due", ENTERPRISE, *args]) == 2
    err = capsys.readouterr().err
    assert words in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_due_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert main(["sla", "due", str(missing), "--priority", "P1", "--at", "2026-11-25T10:00Z"]) == 2
    assert capsys.readouterr().err == f"error: {missing}: no such policy file\n"


def test_check(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # given all seed policies and one broken file
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\ntitle: B\ncalendars: {}\n", encoding="utf-8")
    seeds = sorted(str(p) for p in (ROOT / "policies").glob("*.yaml"))
    # when checked / then ok per valid file, path:line: message per broken one, exit 1
    assert main(["sla", "check", *seeds]) == 0
    assert capsys.readouterr().out == "".join(f"ok {p}\n" for p in seeds)
    assert main(["sla", "check", seeds[0], str(broken)]) == 1
    captured = capsys.readouterr()
    assert captured.out == f"ok {seeds[0]}\n"
    assert captured.err.splitlines() == [
        *(
            f"{broken}:1: missing required key {k!r}"
            for k in ("priorities", "default_priority", "targets")
        ),
        f"{broken}:3: calendars: Dictionary should have at least 1 item after validation, "
        "not 0 (got {})",
    ]


BAD_REFERENCES = """\
name: bad
title: Bad
calendars:
  main:
    timezone: Europe/Berln
    hours: {mon-fri: "09:00-17:00"}
priorities:
  - {key: P1, name: Urgent}
  - {key: P2, name: Normal}
default_priority: P9
targets:
  - priority: P7
    first_response: 4 business hours
  - priority: P1
    first_response: 4 blorps
"""


def test_check_reports_every_problem_of_a_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # given a file with four independent mistakes past the schema
    bad = tmp_path / "bad.yaml"
    bad.write_text(BAD_REFERENCES, encoding="utf-8")
    # when checked
    assert main(["sla", "check", str(bad)]) == 1
    # then each is named with its line, in file order, not only the first
    assert capsys.readouterr().err.splitlines() == [
        f"{bad}:5: unknown time zone 'Europe/Berln' (use an IANA name)",
        f"{bad}:10: unknown priority 'P9'; known: P1, P2",
        f"{bad}:12: unknown priority 'P7'; known: P1, P2",
        f"{bad}:15: not a duration: '4 blorps' (write e.g. '30m', '4 business hours', "
        "'2 days', '1 week')",
    ]


def test_due_defaults_to_now(capsys: pytest.CaptureFixture[str]) -> None:
    # given no --at / when asked for a 24x7-free policy's targets
    before = datetime.now(UTC).replace(microsecond=0)
    assert (
        main(
            [
                "sla",
                "due",
                str(ROOT / "policies/esper.yaml"),
                "--priority",
                "Sev1",
                "--plan",
                "premium",
                "--json",
            ]
        )
        == 0
    )
    after = datetime.now(UTC)
    doc = json.loads(capsys.readouterr().out)
    # then the targets are computed from the current instant
    opened = datetime.fromisoformat(doc["opened"])
    assert before <= opened <= after


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("sladesk 0.")


def test_other_subcommands_go_to_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    # given a server module / when `sladesk run` / then it gets the whole argv
    seen: list[list[str]] = []
    fake = types.ModuleType("sladesk.server_cli")
    fake.main = lambda argv: seen.append(list(argv)) or 0  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "sladesk.server_cli", fake)
    assert main(["run", "--port", "8000"]) == 0
    assert seen == [["run", "--port", "8000"]]


def test_server_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "sladesk.server_cli", None)
    assert main(["worker"]) == 2
    assert capsys.readouterr().err == "the server is not installed\n"


def test_console_script_subprocess() -> None:
    # given the installed console script / when run as a process
    script = Path(sys.executable).with_name("sladesk")
    if not script.exists():
        pytest.skip("console script not installed (pip install -e . --no-deps)")
    done = subprocess.run(
        [
            str(script),
            "sla",
            "due",
            ENTERPRISE,
            "--priority",
            "P2",
            "--at",
            "2026-11-25T16:30-08:00",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    # then JSON on stdout, exit 0
    assert done.returncode == 0, done.stderr
    assert (
        json.loads(done.stdout)["targets"]["first_response"]["due"] == "2026-11-27T12:30:00-08:00"
    )
    bad = subprocess.run(
        [str(script), "sla", "due", ENTERPRISE, "--priority", "P2", "--at", "2026-11-25T16:30"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
