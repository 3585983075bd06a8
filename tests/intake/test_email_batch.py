"""Batch processing: messages of one batch see each other; one bad message costs only itself."""

from __future__ import annotations

import pytest

from sladesk.intake import pipeline
from sladesk.intake.models import EmailMessageId, InboundMessage, InboundState
from sladesk.intake.store import store_raw
from sladesk.notify.models import OutboxMessage
from sladesk.tickets import services
from sladesk.tickets.models import Message, Ticket
from support.mail import DOMAIN, build_mail

pytestmark = pytest.mark.django_db


def _store(*raws: bytes) -> list[int]:
    return [
        store_raw(r, envelope_from="jane@acme.example", envelope_to=[f"acme@{DOMAIN}"]).pk
        for r in raws
    ]


def _states(ids: list[int]) -> list[str]:
    rows = {r.pk: r.state for r in InboundMessage.objects.filter(pk__in=ids)}
    return [rows[i] for i in ids]


def test_one_batch_threads_a_reply_to_a_ticket_opened_earlier_in_it(settings, acme):
    settings.SLADESK_EMAIL = {"domains": DOMAIN}
    # given an original, its copy and a reply, stored before processing
    ids = _store(
        build_mail(subject="[P2] Devices offline", message_id="<orig@acme.example>"),
        build_mail(subject="[P2] Devices offline", message_id="<orig@acme.example>"),
        build_mail(
            subject="Re: Devices offline",
            body="Still offline.",
            message_id="<reply@acme.example>",
            in_reply_to="<orig@acme.example>",
        ),
    )
    # when they are processed as one batch
    assert pipeline.process_batch(ids) == 3
    # then one ticket, a duplicate and a reply on that ticket; one acknowledgement
    assert _states(ids) == [InboundState.TICKET, InboundState.DUPLICATE, InboundState.REPLY]
    ticket = Ticket.objects.get()
    assert list(
        Message.objects.filter(ticket=ticket).order_by("id").values_list("body_text", flat=True)
    ) == ["Our devices are offline.", "Still offline."]
    assert set(InboundMessage.objects.filter(pk__in=ids).values_list("ticket_id", flat=True)) == {
        ticket.pk
    }
    assert EmailMessageId.objects.filter(direction=EmailMessageId.IN).count() == 2
    assert OutboxMessage.objects.filter(purpose="acknowledgement").count() == 1


def test_the_rate_limit_counts_the_messages_earlier_in_the_batch(settings, acme):
    settings.SLADESK_EMAIL = {"domains": DOMAIN, "verified_rate_limit": 2}
    ids = _store(
        *[build_mail(subject=f"n{i}", message_id=f"<rl{i}@acme.example>") for i in range(3)]
    )
    pipeline.process_batch(ids)
    assert _states(ids) == [InboundState.TICKET, InboundState.TICKET, InboundState.QUARANTINED]
    assert "rate limited: 2 messages" in InboundMessage.objects.get(pk=ids[2]).reason


def test_an_unexpected_error_rolls_the_batch_back_and_costs_only_its_message(
    settings, acme, monkeypatch
):
    settings.SLADESK_EMAIL = {"domains": DOMAIN}
    real = services.open_tickets

    def failing(requests):
        if any(r.subject == "poison" for r in requests):
            raise RuntimeError("boom")
        return real(requests)

    monkeypatch.setattr(services, "open_tickets", failing)
    ids = _store(
        *[
            build_mail(subject=s, message_id=f"<p{i}@acme.example>")
            for i, s in enumerate(["a", "poison", "b"])
        ]
    )
    # when the batch fails on its second message
    pipeline.process_batch(ids)
    # then the others are tickets (processed one by one) and the bad one is quarantined with
    #      the error
    assert _states(ids) == [InboundState.TICKET, InboundState.QUARANTINED, InboundState.TICKET]
    assert InboundMessage.objects.get(pk=ids[1]).reason == "processing failed: RuntimeError: boom"
    assert (
        Ticket.objects.count() == 2
        and OutboxMessage.objects.filter(purpose="acknowledgement").count() == 2
    )
    assert list(InboundMessage.objects.filter(pk__in=ids).values_list("attempts", flat=True)) == [
        1,
        1,
        1,
    ]


def test_a_batch_reads_once_whatever_its_size(settings, acme, query_count):
    # given 20 new tickets stored
    settings.SLADESK_EMAIL = {"domains": DOMAIN}
    ids = _store(
        *[build_mail(subject=f"[P3] n{i}", message_id=f"<q{i}@acme.example>") for i in range(20)]
    )
    # then processing them costs the ticket services' queries plus a fixed number, not ~30
    #      per message
    with query_count("a batch of 20 new tickets") as ctx:
        pipeline.process_batch(ids)
    assert set(_states(ids)) == {InboundState.TICKET}
    intake = [q["sql"][:90] for q in ctx.captured_queries if "intake_" in q["sql"]]
    assert len(intake) / 20 < 1, "\n".join(intake)


def test_one_batch_threads_by_subject_number_to_a_ticket_opened_earlier_in_it(settings, acme):
    settings.SLADESK_EMAIL = {"domains": DOMAIN}
    # given a ticket, so the next number is known, then a new mail and an answer naming that
    #       next number in its subject only (no In-Reply-To), stored before processing
    first = pipeline.process(
        _store(build_mail(subject="earlier", message_id="<e@acme.example>"))[0]
    ).ticket
    number = first.pk + 1
    ids = _store(
        build_mail(subject="[P2] Devices offline", message_id="<n1@acme.example>"),
        build_mail(
            subject=f"Re: [#{number}] Devices offline",
            body="Still offline.",
            message_id="<n2@acme.example>",
        ),
    )
    # when they are processed as one batch
    pipeline.process_batch(ids)
    # then the answer is a reply on the ticket the first mail opened
    rows = [InboundMessage.objects.get(pk=i) for i in ids]
    assert [r.state for r in rows] == [InboundState.TICKET, InboundState.REPLY]
    assert rows[0].ticket_id == rows[1].ticket_id == number
    assert rows[1].reason == f"threaded by [#{number}] in the subject"


def test_a_reply_in_the_batch_of_its_ticket_keeps_its_attachment(settings, acme):
    settings.SLADESK_EMAIL = {"domains": DOMAIN}
    from sladesk.tickets.models import Attachment, TicketEvent

    # given a new mail and a reply to it with a file, stored before processing
    ids = _store(
        build_mail(subject="Devices offline", message_id="<a1@acme.example>"),
        build_mail(
            subject="Re: Devices offline",
            body="Log attached.",
            message_id="<a2@acme.example>",
            in_reply_to="<a1@acme.example>",
            attachments=[("log.txt", "text/plain", b"line\n" * 10)],
        ),
    )
    # when they are processed as one batch
    pipeline.process_batch(ids)
    # then the file is on the reply's message, logged as an attachment event by the sender
    reply = InboundMessage.objects.get(pk=ids[1])
    assert reply.state == InboundState.REPLY
    attachment = Attachment.objects.get()
    assert attachment.message_id == reply.ticket_message_id and attachment.filename == "log.txt"
    event = TicketEvent.objects.get(kind="attachment")
    assert event.actor_contact_id == reply.ticket_message.author_contact_id is not None
