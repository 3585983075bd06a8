"""A ``[#N]`` in a subject is typed text, not proof: it threads a mail sent to one
customer's own alias only into that customer's tickets."""

from __future__ import annotations

import pytest

from sladesk.accounts.models import Contact
from sladesk.intake.models import InboundAddress, InboundMessage, InboundState
from sladesk.intake.pipeline import process
from sladesk.intake.store import store_raw
from support.mail import DOMAIN, build_mail

pytestmark = pytest.mark.django_db


def _ingest(raw: bytes, sender: str, to: str) -> InboundMessage:
    return process(store_raw(raw, envelope_from=sender, envelope_to=[to]).pk)


def test_a_subject_reference_to_another_customers_ticket_opens_a_ticket_for_the_sender(
    acme, make_org, make_contact
):
    # given Acme's ticket, and another customer (Nordlicht) with its own alias and contact
    acme_ticket = _ingest(
        build_mail(subject="Console login loop"), "jane@acme.example", f"acme@{DOMAIN}"
    ).ticket
    nordlicht = make_org("particle-enterprise", region="emea", name="Nordlicht")
    make_contact(nordlicht, "ole@nordlicht.example")
    InboundAddress.objects.create(
        address=f"nordlicht@{DOMAIN}", organization=nordlicht, kind="customer"
    )
    # when Nordlicht's contact writes to Nordlicht's alias with Acme's ticket number in the subject
    row = _ingest(
        build_mail(
            sender="ole@nordlicht.example",
            to=f"nordlicht@{DOMAIN}",
            subject=f"Re: [#{acme_ticket.pk}] login",
        ),
        "ole@nordlicht.example",
        f"nordlicht@{DOMAIN}",
    )
    # then it opens a Nordlicht ticket (not quarantined as a reply to Acme's ticket)
    assert row.state == InboundState.TICKET, row.reason
    assert row.ticket != acme_ticket and row.ticket.organization == nordlicht
    # and Acme's ticket got nothing, nor Acme a new contact
    assert acme_ticket.messages.count() == 1
    assert not Contact.objects.filter(
        organization=acme_ticket.organization, email="ole@nordlicht.example"
    ).exists()


def test_a_subject_reference_on_the_customers_own_alias_still_threads(acme):
    # given Acme's ticket
    ticket = _ingest(
        build_mail(subject="Console login loop"), "jane@acme.example", f"acme@{DOMAIN}"
    ).ticket
    # when Acme's contact replies to Acme's alias with [#N] in the subject
    row = _ingest(
        build_mail(subject=f"Re: [#{ticket.pk}] Console login loop", body="still broken"),
        "jane@acme.example",
        f"acme@{DOMAIN}",
    )
    # then it is a reply on that ticket
    assert (row.state, row.ticket) == (InboundState.REPLY, ticket)
