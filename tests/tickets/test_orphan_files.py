"""Orphaned attachment files: a process killed (SIGKILL) after writing a file and before its
transaction committed leaves the file; the sweep deletes it and keeps committed files.

The killed process is a real ``sladesk manage shell`` on its own SQLite file database
(WAL), so the test holds on both database passes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import transaction

from sladesk.tickets import services
from sladesk.tickets.files import sweep_orphan_files
from sladesk.tickets.services.attachments import PENDING_DIR, discard_rolled_back

pytestmark = pytest.mark.slow

SETUP = """
from sladesk.accounts.models import Contact, Organization
from sladesk.tickets import services
org = Organization.objects.create(
    name="Acme", slug="acme", policy_name="particle-enterprise", region="na"
)
jane = Contact.objects.create(organization=org, email="jane@acme.example")
services.open_ticket(organization=org, requester=jane, subject="kept", description="d",
                     attachments=[("kept.txt", b"committed", "text/plain")])
"""

DIE_MID_TRANSACTION = """
import sys, time
from django.db import transaction
from sladesk.accounts.models import Contact
from sladesk.tickets import services
jane = Contact.objects.get(email="jane@acme.example")
with transaction.atomic():
    services.open_ticket(
        organization=jane.organization, requester=jane, subject="dies", description="d",
        attachments=[("dying.txt", b"never committed", "text/plain")],
    )
    print("STORED", flush=True)
    time.sleep(120)
"""

SWEEP = """
from datetime import timedelta
from sladesk.tickets.files import sweep_orphan_files
print(sweep_orphan_files(older_than=timedelta(0)))
"""


def _env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'desk.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "sladesk.settings",
        "SLADESK_VAR_DIR": str(tmp),
    }


def _manage(tmp: Path, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sladesk.cli", "manage", *args],
        env=_env(tmp),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_file_whose_process_died_before_the_commit_is_swept(tmp_path):
    # given a desk with one committed attachment
    _manage(tmp_path, "migrate", "--verbosity", "0")
    _manage(tmp_path, "shell", "-c", SETUP)
    media = tmp_path / "media"
    # when a process writes an attachment in a transaction and is killed before the commit
    dying = subprocess.Popen(
        [sys.executable, "-m", "sladesk.cli", "manage", "shell", "-c", DIE_MID_TRANSACTION],
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert dying.stdout is not None
        while (line := dying.stdout.readline()) and line.strip() != "STORED":
            pass
        assert line.strip() == "STORED", dying.stderr.read() if dying.stderr else ""
    finally:
        os.kill(dying.pid, signal.SIGKILL)
        dying.wait(timeout=30)
    left = _files(media)
    assert b"never committed" in left.values()  # the orphan, and its pending marker
    assert any(name.startswith(f"{PENDING_DIR}/") for name in left)
    # then the sweep deletes the orphan and its marker, and keeps the committed file
    assert "SweepResult(deleted=1, kept=0, young=0)" in _manage(tmp_path, "shell", "-c", SWEEP)
    after = _files(media)
    assert list(after.values()) == [b"committed"]
    assert next(iter(after)).endswith("/kept.txt")


@pytest.mark.django_db(transaction=True)
def test_markers_go_with_the_commit_or_the_rollback_and_young_ones_wait(
    settings, tmp_path, make_org, make_contact
):
    # given a desk whose files go to a fresh MEDIA_ROOT
    settings.MEDIA_ROOT = tmp_path
    org = make_org("particle-enterprise", region="na")
    jane = make_contact(org)
    # when one ticket's file commits and another's transaction rolls back
    services.open_ticket(
        organization=org,
        requester=jane,
        subject="kept",
        description="d",
        attachments=[("a.txt", b"kept", "text/plain")],
    )
    with pytest.raises(RuntimeError), transaction.atomic():
        services.open_ticket(
            organization=org,
            requester=jane,
            subject="gone",
            description="d",
            attachments=[("b.txt", b"rolled back", "text/plain")],
        )
        raise RuntimeError("roll back")
    discard_rolled_back()
    # then only the committed file is left, with no marker
    assert list(_files(tmp_path).values()) == [b"kept"]
    # and a marker younger than the age limit is left for later
    (tmp_path / PENDING_DIR).mkdir(exist_ok=True)
    (tmp_path / PENDING_DIR / "young").write_text("attachments/x/y.txt")
    assert sweep_orphan_files().young == 1
