"""`sladesk run ADDR:PORT` mails links to the address it serves, unless a public URL is set."""

from __future__ import annotations

import pytest

from sladesk.notify.links import ticket_url
from sladesk.server_cli import link_base, main


def test_links_point_at_the_port_being_served(monkeypatch: pytest.MonkeyPatch, settings) -> None:
    # given no public URL configured
    monkeypatch.setenv("SLADESK_NOTIFY_PUBLIC_URL", "")  # unset; restored after the test
    settings.SLADESK_NOTIFY = {}
    # when `sladesk run 127.0.0.1:8301` sets up its links
    link_base("127.0.0.1:8301")
    # then a ticket link in a notification goes to port 8301, not the default 8000
    assert ticket_url(36) == "http://127.0.0.1:8301/desk/tickets/36/"


def test_an_unspecified_host_is_written_as_loopback(
    monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    # given no public URL configured
    monkeypatch.setenv("SLADESK_NOTIFY_PUBLIC_URL", "")  # unset; restored after the test
    settings.SLADESK_NOTIFY = {}
    # when serving on every interface
    # then links use 127.0.0.1 (0.0.0.0 is no address to click)
    assert link_base("0.0.0.0:8123") == "http://127.0.0.1:8123"


def test_a_configured_public_url_wins(monkeypatch: pytest.MonkeyPatch, settings) -> None:
    # given a public URL in the environment
    monkeypatch.setenv("SLADESK_NOTIFY_PUBLIC_URL", "https://desk.example.com")
    settings.SLADESK_NOTIFY = {}
    # when `sladesk run` starts on a local port
    link_base("127.0.0.1:8301")
    # then links keep the configured URL
    assert ticket_url(5) == "https://desk.example.com/desk/tickets/5/"


@pytest.mark.parametrize(
    ("argv", "status"), [(["run", "--help"], 0), (["run", "-h"], 0), (["run", "--port", "8"], 2)]
)
def test_run_help_or_a_bad_option_starts_nothing(argv, status, capsys, monkeypatch) -> None:
    # given `sladesk run` that would migrate, load the demo and start SMTP and the worker
    import sladesk.server_cli as cli

    def started() -> None:
        raise AssertionError("run set up the desk before reading its arguments")

    monkeypatch.setattr(cli, "_setup", started)
    # when it is asked for help (or given an option it does not have)
    # then it prints the usage and returns, having started nothing
    assert main(argv) == status
    out = capsys.readouterr()
    assert "usage: sladesk run" in out.out + out.err
