"""Real-world mail (issue 13 item 6), from the project's own test data (tests/data/email):
bounces of 77 MTA families, list mail, uuencode, 8-bit text without a charset, broken MIME."""

from __future__ import annotations

import smtplib
from pathlib import Path

import pytest

from sladesk.intake.models import InboundMessage, InboundState
from sladesk.intake.pipeline import process_pending
from sladesk.intake.store import store_raw
from sladesk.notify.models import OutboxMessage
from sladesk.tickets.models import Attachment
from support.mail import DOMAIN

DATA = Path(__file__).resolve().parents[1] / "data" / "email"
BOUNCES = sorted((DATA / "bounces").glob("*.eml"))
ALIAS = f"acme@{DOMAIN}"
#: Not recognised from their content (a list manager's "not a member" notice, a Japanese
#: subject with no DSN structure): over SMTP their null envelope sender decides.
CONTENT_NOT_ENOUGH = {"lhost-fml-02.eml", "lhost-kddi-01.eml"}


@pytest.mark.django_db(transaction=True)
def test_every_bounce_with_a_null_envelope_sender_is_ignored_and_unanswered(acme, smtp_server):
    # given 77 bounces sent as MTAs send them: MAIL FROM:<>
    with smtplib.SMTP("127.0.0.1", smtp_server.port, timeout=30) as client:
        for path in BOUNCES:
            client.sendmail("", [ALIAS], path.read_bytes())
    # when they are processed
    process_pending(limit=500)
    rows = list(InboundMessage.objects.all())
    # then none opened a ticket or got an answer, each says it is a bounce of the envelope
    assert len(rows) == len(BOUNCES) == 77
    assert {r.state for r in rows} <= {InboundState.IGNORED, InboundState.DUPLICATE}
    assert all(
        r.reason == "bounce: null envelope sender (MAIL FROM:<>)"
        for r in rows
        if r.state == "ignored"
    )
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_bounces_are_recognised_by_their_content_without_the_envelope(acme):
    # given the same bounces arriving without an SMTP envelope (IMAP, a forward)
    for path in BOUNCES:
        store_raw(path.read_bytes(), envelope_to=[ALIAS], source=path.name)
    # when processed
    process_pending(limit=500)
    # then all but two are bounces or auto-replies by structure and headers, never answered
    made = {r.source for r in InboundMessage.objects.filter(state__in=["ticket", "reply"])}
    assert made <= CONTENT_NOT_ENOUGH
    assert (
        not OutboxMessage.objects.filter(purpose="acknowledgement")
        .exclude(ticket__inbound_mail__source__in=CONTENT_NOT_ENOUGH)
        .exists()
    )


@pytest.fixture
def people(acme, make_contact):
    for email in ("ops@acme.example", "ivan@acme.example"):
        make_contact(acme, email)
    return acme


def _ingest(name: str) -> InboundMessage:
    store_raw(
        (DATA / "realworld" / name).read_bytes(),
        envelope_from="x@acme.example",
        envelope_to=[ALIAS],
    )
    process_pending()
    return InboundMessage.objects.order_by("-id").first()


@pytest.mark.django_db
def test_list_mail_opens_a_ticket_but_gets_no_acknowledgement(people):
    row = _ingest("list-precedence.eml")
    assert row.state == InboundState.TICKET
    assert "no acknowledgement: Precedence: list" in row.reason
    assert not OutboxMessage.objects.filter(purpose="acknowledgement").exists()


@pytest.mark.django_db
def test_a_uuencoded_part_becomes_a_downloadable_attachment(people):
    row = _ingest("uuencoded.eml")
    files = list(Attachment.objects.filter(message=row.ticket_message))
    assert [f.filename for f in files] == ["readings.csv"]
    assert files[0].file.read().startswith(b"timestamp,sensor,value\n")
    assert (
        "begin 644" not in row.ticket_message.body_text
        and "readings from this morning" in row.ticket_message.body_text
    )


@pytest.mark.django_db
def test_8bit_text_without_a_charset_is_decoded_by_detection(people):
    row = _ingest("8bit-no-charset-koi8r.eml")
    assert "Датчики не работают с утра" in row.ticket_message.body_text


@pytest.mark.django_db
def test_a_folded_boundary_is_recovered_to_the_text_the_person_wrote(people):
    row = _ingest("broken-boundary-folded.eml")
    assert row.state == InboundState.TICKET
    assert row.ticket_message.body_text == "Our gateway reboots every hour since Monday."


@pytest.mark.django_db
def test_unrecoverable_mime_is_quarantined_not_shown_as_raw_parts(people):
    row = _ingest("broken-mime-unrecoverable.eml")
    assert row.state == InboundState.QUARANTINED
    assert row.reason.startswith("could not be parsed: broken MIME")
