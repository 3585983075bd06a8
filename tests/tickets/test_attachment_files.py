"""Attachment files follow their rows: a file whose row is rolled back (the transaction, or
only its savepoint) is deleted from storage; a committed one stays."""

from __future__ import annotations

import pytest
from django.db import transaction

from sladesk.tickets import services
from sladesk.tickets.models import Attachment
from sladesk.tickets.services.attachments import files_follow_transaction

pytestmark = pytest.mark.django_db(transaction=True)


class Boom(Exception):
    """Something after the reply fails, so the whole change rolls back."""


@pytest.fixture
def ticket(make_org, make_contact):
    org = make_org("particle-enterprise", region="na", name="Acme")
    contact = make_contact(org)
    return services.open_ticket(organization=org, requester=contact, subject="s", description="d")


def _files(settings) -> set[str]:
    root = settings.MEDIA_ROOT / "attachments"
    return (
        {str(p.relative_to(settings.MEDIA_ROOT)) for p in root.rglob("*") if p.is_file()}
        if root.exists()
        else set()
    )


def test_a_reply_failing_after_its_files_were_written_leaves_no_file(
    ticket, agent, settings, monkeypatch
):
    # given the files on disk before, and the clocks failing after the reply's file is written
    from sladesk.tickets.services import conversation

    before = _files(settings)

    def broken(*args, **kwargs):
        raise Boom

    monkeypatch.setattr(conversation, "_agent_replied", broken)
    # when an agent replies with a file
    with pytest.raises(Boom):
        services.reply(
            ticket, author=agent, body="log", attachments=[("gone.log", b"x" * 10, "text/plain")]
        )
    # then neither the row nor the file is there
    assert not Attachment.objects.exists()
    assert _files(settings) == before


def test_a_rolled_back_savepoint_loses_its_file_and_the_committed_one_stays(
    ticket, agent, settings
):
    # given the files on disk before
    before = _files(settings)
    # when, in one transaction of a caller that lets files follow it (as the email batch does),
    # a first note commits its file and a second one's savepoint rolls back
    with files_follow_transaction(), transaction.atomic():
        kept = services.add_note(
            ticket, author=agent, body="a", attachments=[("kept.log", b"1", "")]
        )
        with pytest.raises(Boom), transaction.atomic():
            services.add_note(ticket, author=agent, body="b", attachments=[("gone.log", b"2", "")])
            raise Boom
    # then only the committed file is on disk, and it is its row's
    [row] = Attachment.objects.all()
    assert row.message_id == kept.pk
    assert _files(settings) - before == {row.file.name}
    assert row.file.read() == b"1"


def test_a_file_of_a_caller_rolled_back_transaction_goes_at_the_next_upload(
    ticket, agent, settings
):
    # given a reply with a file inside a caller's transaction that rolled back
    before = _files(settings)
    with pytest.raises(Boom), transaction.atomic():
        services.reply(ticket, author=agent, body="log", attachments=[("gone.log", b"x", "")])
        raise Boom
    # when the thread stores its next file
    note = services.add_note(ticket, author=agent, body="n", attachments=[("next.log", b"y", "")])
    # then the rolled-back file is gone and the new one is there
    assert _files(settings) - before == {note.attachments.get().file.name}


def test_a_failed_open_ticket_leaves_no_file(make_org, make_contact, settings, monkeypatch):
    # given a customer, and clocks that fail to start after the description's file is written
    from sladesk.tickets.services import opening

    org = make_org("particle-enterprise", region="na")
    contact = make_contact(org)
    before = _files(settings)

    def broken(*args, **kwargs):
        raise Boom

    monkeypatch.setattr(opening, "announce", broken)
    # when the customer opens a ticket with a file
    with pytest.raises(Boom):
        services.open_ticket(
            organization=org,
            requester=contact,
            subject="s",
            description="d",
            attachments=[("screen.png", b"\x89PNG", "image/png")],
        )
    # then nothing of it stays on disk
    assert _files(settings) == before
