"""The shared real-world corpus (304 messages, MANIFEST.tsv) through the whole pipeline:
no exception; each message becomes a ticket or a reply, or is kept with a reason."""

from __future__ import annotations

from collections import Counter

import pytest

from sladesk.accounts.models import Contact
from sladesk.intake.email import parse_message
from sladesk.intake.models import InboundAddress, InboundMessage, InboundState
from sladesk.intake.pipeline import process
from sladesk.intake.store import store_raw

pytestmark = pytest.mark.django_db


def test_every_corpus_message_is_ingested_without_an_exception(make_org, corpus_dir, settings):
    # given one organization, routed by an alias, whose contacts are the corpus' senders
    settings.SLADESK_EMAIL = {"rate_limit": 10_000}
    org = make_org("particle-enterprise", region="na", name="Corpus")
    InboundAddress.objects.create(address="corpus@support.example.com", organization=org)
    paths = [
        line.split("\t", 1)[0]
        for line in (corpus_dir / "MANIFEST.tsv").read_text().splitlines()[1:]
        if line
    ]
    senders = {parse_message((corpus_dir / p).read_bytes()).from_address for p in paths}
    Contact.objects.bulk_create(
        [Contact(organization=org, email=s) for s in senders if s and "@" in s]
    )
    # when every message is stored and processed (the alias as envelope recipient)
    rows = []
    for relative in paths:
        raw = (corpus_dir / relative).read_bytes()
        rows.append(
            process(store_raw(raw, envelope_to=["corpus@support.example.com"], source=relative).pk)
        )
    # then none is left unprocessed and every one not on a ticket has a reason
    states = Counter(r.state for r in rows)
    print(f"\ncorpus: {len(rows)} messages: {dict(sorted(states.items()))}")
    for reason, count in Counter(
        r.reason.split(":")[0] for r in rows if r.state in ("ignored", "quarantined")
    ).most_common():
        print(f"  {count:4} {reason}")
    assert len(rows) == len(paths) == 304
    assert states[InboundState.RECEIVED] == 0
    assert all(
        r.reason for r in rows if r.state in (InboundState.IGNORED, InboundState.QUARANTINED)
    )
    assert not [r.reason for r in rows if r.reason.startswith("processing failed")]
    assert states[InboundState.TICKET] + states[InboundState.REPLY] > 150
    # the outcomes pinned (docs/email.md): since issue 13, 9 mails with Precedence: bulk/junk
    # or List-* headers (list discussions, newsletters, spam) are tickets without an
    # acknowledgement instead of ignored auto-replies (RFC 3834 forbids answering them, not
    # reading them); 196 + 9 tickets, 25 bounces and 5 auto-replies ignored
    assert dict(states) == {
        "ticket": 205,
        "reply": 1,
        "duplicate": 48,
        "ignored": 30,
        "quarantined": 20,
    }
    # those 9 and 4 other list mails (List-Id only) get no acknowledgement
    assert sum(1 for r in rows if "no acknowledgement" in r.reason) == 13
    assert InboundMessage.objects.count() == 304
