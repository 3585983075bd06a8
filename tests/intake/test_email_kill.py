"""kill -9 the SMTP server while mail is being sent to it; after a restart every message
that got 250 is in the database exactly once, and every message sent is on one ticket.

The server runs as a real subprocess (``sladesk manage smtp_server``) on its own SQLite
file database (WAL), so the test holds on both database passes."""

from __future__ import annotations

import os
import signal
import smtplib
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from support.mail import DOMAIN, build_mail, wait_for

pytestmark = pytest.mark.slow

SETUP = f"""
from sladesk.accounts.models import Contact, Organization
from sladesk.intake.models import InboundAddress
org = Organization.objects.create(
    name="Acme", slug="acme", policy_name="particle-enterprise", region="na"
)
Contact.objects.create(organization=org, email="jane@acme.example")
InboundAddress.objects.create(address="acme@{DOMAIN}", organization=org)
"""


def _env(db: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_SETTINGS_MODULE": "sladesk.settings",
        "SLADESK_EMAIL_DOMAINS": DOMAIN,
        "SLADESK_EMAIL_RATE_LIMIT": "100000",
        "SLADESK_VAR_DIR": str(db.parent),
    }


def _manage(db: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "sladesk.cli", "manage", *args],
        env=_env(db),
        check=True,
        capture_output=True,
        timeout=120,
    )


def _server(db: Path, port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sladesk.cli",
            "manage",
            "smtp_server",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-imap",
        ],
        env=_env(db),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _listening(port: int) -> bool:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=1) as client:
            return client.noop()[0] == 250
    except OSError:
        return False


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_kill_9_during_ingest_loses_no_acknowledged_message(tmp_path):
    # given a fresh SQLite file database with a routed customer, and the server running
    db = tmp_path / "mail.sqlite3"
    _manage(db, "migrate", "--verbosity", "0")
    _manage(db, "shell", "-c", SETUP)
    port = _free_port()
    server = _server(db, port)
    wait_for(lambda: _listening(port), 30, "the SMTP server")
    accepted: list[str] = []
    unanswered: list[str] = []
    stop = threading.Event()

    def sender() -> None:
        i = 0
        while not stop.is_set():
            mid = f"<kill-{i}@acme.example>"
            i += 1
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
                    client.sendmail(
                        "jane@acme.example",
                        [f"acme@{DOMAIN}"],
                        build_mail(subject=f"message {i}", message_id=mid),
                    )
                accepted.append(mid)
            except (OSError, smtplib.SMTPException):
                unanswered.append(mid)
                time.sleep(0.05)

    thread = threading.Thread(target=sender)
    thread.start()
    try:
        # when the server is killed (SIGKILL) mid-stream and started again
        wait_for(lambda: len(accepted) >= 40, 30, "40 accepted messages")
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        killed_at = len(accepted)
        server = _server(db, port)
        wait_for(lambda: len(accepted) >= killed_at + 20, 30, "mail accepted after the restart")
    finally:
        stop.set()
        thread.join(timeout=30)
    try:
        # and a sender retries what got no answer, as an MTA would
        for mid in unanswered:
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
                client.sendmail(
                    "jane@acme.example",
                    [f"acme@{DOMAIN}"],
                    build_mail(subject="retry", message_id=mid),
                )

        # then, once processed, every accepted message is stored exactly once ...
        def settled() -> bool:
            with sqlite3.connect(db) as conn:
                return (
                    conn.execute(
                        "select count(*) from intake_inboundmessage where state='received'"
                    ).fetchone()[0]
                    == 0
                )

        wait_for(settled, 30, "processing to finish")
    finally:
        server.terminate()
        server.wait(timeout=10)
    with sqlite3.connect(db) as conn:
        stored = dict(
            conn.execute(
                "select message_id, count(*) from intake_inboundmessage"
                " where state != 'duplicate' group by message_id"
            ).fetchall()
        )
        tickets = conn.execute("select count(*) from tickets_ticket").fetchone()[0]
        on_ticket = conn.execute(
            "select count(distinct message_id) from intake_emailmessageid where direction='in'"
        ).fetchone()[0]
    assert accepted, "nothing was accepted"
    assert all(stored.get(mid) == 1 for mid in accepted), [
        m for m in accepted if stored.get(m) != 1
    ][:5]
    # ... and every message sent (accepted or retried) is on exactly one ticket
    sent = set(accepted) | set(unanswered)
    assert tickets == on_ticket == len(sent)
    print(
        f"\nkill test: {len(accepted)} accepted, {len(unanswered)} unanswered then retried, "
        f"{tickets} tickets"
    )
