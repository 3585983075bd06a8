"""`sladesk backup` / `sladesk restore`: a backup restores into a working desk (the API
serves a ticket created before the backup, with its attachment) on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from sladesk.core.backup import BackupError, backup, restore
from sladesk.tickets import services
from sladesk.tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_restore_brings_back_tickets_and_files_of_the_backup(
    media, tmp_path, warm_policy_cache, make_org, make_contact, agent, client_for
):
    # given a ticket with an attachment, then a backup
    org = make_org("particle-enterprise", region="na")
    contact = make_contact(org)
    kept = services.open_ticket(
        organization=org,
        requester=contact,
        subject="printer on fire",
        description="smoke",
        attachments=[("log.txt", b"line 1\n", "text/plain")],
    )
    stored = Attachment.objects.get(message__ticket=kept)
    stored_path = Path(stored.file.path)
    summary = backup(tmp_path / "desk.tar")
    assert summary.media_files == 1
    # and after it the ticket and its file are lost, and a newer ticket is opened
    Ticket.objects.filter(pk=kept.pk).delete()
    stored_path.unlink()
    newer = services.open_ticket(
        organization=org, requester=contact, subject="after", description="x"
    )
    # when the backup is restored
    restored = restore(tmp_path / "desk.tar")
    # then the API serves the ticket of the backup again, and not the newer one
    api = client_for(agent)
    answer = api.get(f"/api/v1/tickets/{kept.pk}/")
    assert answer.status_code == 200, answer.content
    assert answer.json()["subject"] == "printer on fire"
    assert api.get(f"/api/v1/tickets/{newer.pk}/").status_code == 404
    # and its attachment's bytes are back on disk
    assert restored.media_files == 1 and stored_path.read_bytes() == b"line 1\n"
    # and the desk keeps working: a ticket opened now gets a fresh number
    again = services.open_ticket(
        organization=org, requester=contact, subject="again", description="x"
    )
    assert again.pk > kept.pk


def test_a_file_that_is_not_a_backup_is_refused(media, tmp_path):
    # given a tar without a manifest
    bogus = tmp_path / "bogus.tar"
    with tarfile.open(bogus, "w") as tar:
        tar.add(__file__, arcname="hello.py")
    # when it is restored, then nothing happens but a clear error
    with pytest.raises(BackupError, match=r"no manifest\.json"):
        restore(bogus)
    with pytest.raises(BackupError, match="does not exist"):
        restore(tmp_path / "missing.tar")


def test_the_commands_take_exactly_one_path():
    # when `sladesk backup` is given no path, then it says what it takes (exit 2)
    done = subprocess.run(
        [sys.executable, "-m", "sladesk.cli", "backup"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2 and "takes one PATH" in done.stderr
