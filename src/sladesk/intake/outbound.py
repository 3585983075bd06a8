"""Mail to the customer: acknowledgements of new tickets and agents' public replies.

Both are outbox rows (`sladesk.notify.outbox`) written in the transaction of the change
that caused them, delivered by the outbox worker over SMTP with retries; the final outcome
(delivered, or dead after retries / a permanent 5xx) is a ``notify`` event on the ticket.
The e-mail channel renders ``Notification.extra["mail"]`` as given:

* ``Message-ID`` generated here and stored as a sent `EmailMessageId` at once, so the
  customer's answer threads even before the mail left, and our own mail coming back is
  recognised as a loop;
* ``In-Reply-To`` the recipient's latest message, ``References`` the thread (last 20);
* ``Subject: Re: [#1234] <subject>``; ``Reply-To`` the signed ``<local>+t1234.<tag>@…``
  of the address the ticket arrived on (``From`` is that address);
* acknowledgements carry ``Auto-Submitted: auto-replied`` (RFC 3834) so auto-responders
  stay quiet; a human agent's reply does not.

A new ticket's acknowledgement states its priority, the first-response deadline in the
customer's time zone and, when opening it paged on-call (freistilbox: outside office
hours), that the on-call engineer has been told. Mail refused by the loop checks never
reaches this module (see `sladesk.intake.pipeline`).
"""

from __future__ import annotations

import secrets as token_source
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sladesk.core.time import now
from sladesk.intake.email import ParsedMessage, signed_reply_address
from sladesk.tickets import events
from sladesk.tickets.models import (
    Channel,
    EventKind,
    Message,
    Metric,
    SlaClock,
    Ticket,
    TicketEvent,
)

from .conf import conf
from .models import EmailMessageId, InboundMessage

__all__ = [
    "acknowledge",
    "acknowledge_many",
    "agent_replied",
    "mail_recipients",
    "merge_threads",
    "split_threads",
    "thread_headers",
]

_MAX_REFERENCES = 20


def _sender(ticket: Ticket) -> str:
    """The address the ticket arrived on (its first routed mail), else the default."""
    first = (
        InboundMessage.objects.filter(ticket=ticket, route__isnull=False)
        .select_related("route")
        .order_by("id")
        .first()
    )
    return (
        first.route.address
        if first is not None and first.route is not None
        else conf().from_address.lower()
    )


def thread_headers(ticket: Ticket) -> tuple[str | None, list[str]]:
    """``(In-Reply-To, References)`` for the next mail on ``ticket``."""
    ids = list(
        EmailMessageId.objects.filter(ticket=ticket)
        .order_by("-id")
        .values_list("message_id", "direction")[:_MAX_REFERENCES]
    )
    received = [m for m, d in ids if d == EmailMessageId.IN]
    in_reply_to = received[0] if received else (ids[0][0] if ids else None)
    return in_reply_to, [m for m, _ in reversed(ids)]


def _message_id(kind: str, number: int, domain: str) -> str:
    return f"<sladesk.{kind}{number}.{token_source.token_hex(6)}@{domain}>"


@dataclass(frozen=True)
class _Queued:
    """One customer mail to queue: where, why (outbox purpose and key), what."""

    ticket: Ticket
    to: str
    purpose: str
    key: str
    subject: str
    body: str
    mail: dict[str, Any]
    message: Message | None


def _enqueue(
    ticket: Ticket,
    to: str,
    purpose: str,
    key: str,
    subject: str,
    body: str,
    mail: dict[str, Any],
    message: Message | None,
) -> None:
    _enqueue_many([_Queued(ticket, to, purpose, key, subject, body, mail, message)])


def _enqueue_many(items: Sequence[_Queued]) -> None:
    """Sent Message-IDs, outbox rows and ``queued`` events of ``items``, one bulk write each."""
    from sladesk.notify import Notification
    from sladesk.notify.outbox import enqueue
    from sladesk.notify.outbox import message as outbox_message
    from sladesk.notify.recipients import Recipient

    at = now()
    EmailMessageId.objects.bulk_create(
        [
            EmailMessageId(
                message_id=q.mail["message_id"],
                direction=EmailMessageId.OUT,
                ticket=q.ticket,
                ticket_message=q.message,
                created_at=at,
            )
            for q in items
        ],
        ignore_conflicts=True,  # generated ids: a clash means the row is there already
    )
    rows, entries = [], []
    for q in items:
        notification = Notification(
            idempotency_key=q.key,
            channel="email",
            summary=q.subject,
            body=q.body,
            ticket_ref=f"#{q.ticket.pk}",
            extra={"mail": q.mail},
        )
        recipient = Recipient("email", f"email:{q.to}", f"customer {q.to}")
        rows.append(
            outbox_message(
                notification, recipient, key=q.key, purpose=q.purpose, at=at, ticket_id=q.ticket.pk
            )
        )
        entries.append(
            events.notify(
                q.ticket,
                at,
                action=q.purpose,
                outcome="queued",
                channel="email",
                to=[f"customer {q.to}"],
                message_id=q.mail["message_id"],
            )
        )
    enqueue(rows)
    events.write(entries)


def _mail(
    ticket: Ticket,
    kind: str,
    number: int,
    *,
    auto: bool,
    sender: str | None = None,
    thread: tuple[str | None, list[str]] | None = None,
) -> dict[str, Any]:
    sender = sender or _sender(ticket)
    local, _, domain = sender.rpartition("@")
    in_reply_to, references = thread if thread is not None else thread_headers(ticket)
    return {
        "from": sender,
        "reply_to": signed_reply_address(local, domain, ticket.pk, conf().secrets[0]),
        "subject": f"Re: [#{ticket.pk}] {ticket.subject}",
        "message_id": _message_id(kind, number, domain),
        "in_reply_to": in_reply_to,
        "references": references,
        "auto_submitted": "auto-replied" if auto else None,
    }


def _customer_time(ticket: Ticket, at: Any) -> str:
    zone = ticket.requester.display_timezone or "UTC"
    try:
        local = at.astimezone(ZoneInfo(zone))
    except (KeyError, ValueError):
        zone, local = "UTC", at
    return f"{local:%a %d %b %Y %H:%M} {local.tzname()} ({zone})"


def acknowledge(ticket: Ticket, parsed: ParsedMessage, row: InboundMessage) -> None:
    """Queue the acknowledgement of a ticket opened by ``row`` (same transaction)."""
    acknowledge_many([(ticket, parsed, row)])


def acknowledge_many(items: Sequence[tuple[Ticket, ParsedMessage, InboundMessage]]) -> None:
    """Queue the acknowledgements of tickets opened by a batch of messages, in the batch's
    transaction: two reads (first-response clocks, creation events) and three bulk writes
    (sent Message-IDs, outbox rows, ``queued`` events) whatever the batch size."""
    if not items:
        return
    ids = [ticket.pk for ticket, _, _ in items]
    due = dict(
        SlaClock.objects.filter(ticket_id__in=ids, metric=Metric.FIRST_RESPONSE).values_list(
            "ticket_id", "due_at"
        )
    )
    pages = {
        t: (data or {}).get("pages") or []
        for t, data in TicketEvent.objects.filter(
            ticket_id__in=ids, kind=EventKind.CREATED
        ).values_list("ticket_id", "data")
    }
    queued = []
    for ticket, parsed, row in items:
        body = _ack_body(ticket, due.get(ticket.pk), pages.get(ticket.pk, []))
        routed = row.route.address if row.route is not None else None
        references = [*parsed.references[-(_MAX_REFERENCES - 1) :], parsed.message_id]
        mail = _mail(
            ticket,
            "ack",
            ticket.pk,
            auto=True,
            sender=routed,
            thread=(parsed.message_id, references),
        )
        to = row.from_address or ticket.requester.email
        queued.append(
            _Queued(
                ticket,
                to,
                "acknowledgement",
                f"mail:ack:{ticket.pk}",
                mail["subject"],
                body,
                mail,
                None,
            )
        )
    _enqueue_many(queued)


def _ack_body(ticket: Ticket, first_due: Any, pages: list[str]) -> str:
    level = ticket.policy.priority(ticket.priority)
    label = (
        ticket.priority if level.name == ticket.priority else f"{ticket.priority} ({level.name})"
    )
    lines = [
        f"Hello {ticket.requester.name or ticket.requester.email},",
        "",
        f"we have received your request and opened ticket #{ticket.pk}: {ticket.subject}",
        "",
        f"Priority: {label}",
    ]
    if first_due is not None:
        lines.append(f"First response by: {_customer_time(ticket, first_due)}")
    if any("outside" in reason for reason in pages):
        lines += [
            "",
            "Your request arrived outside our business hours: the on-call engineer has been told.",
        ]
    elif pages:
        lines += ["", "The on-call engineer has been told."]
    lines += [
        "",
        f"Reply to this mail to add to the ticket (keep [#{ticket.pk}] in the subject).",
        "",
    ]
    return "\n".join(lines)


def agent_replied(message: Message) -> None:
    """Queue the mail of a public agent reply to everyone who wrote to the ticket by e-mail.

    Called by ``services.reply`` in its transaction. The recipients (`mail_recipients`)
    are the requester of a ticket that came in by mail and every contact whose mail was
    received on the ticket, the requesters of tickets merged into it included; each gets
    their own mail (own Message-ID, ``In-Reply-To`` their own latest mail). A ticket with
    no received mail (portal, API, phone) mails its requester, unless the contact turned
    ``email_updates`` off; the mail starts the thread a reply to it continues.
    """
    ticket = message.ticket
    if message.from_customer or not message.public:
        return
    received = _received(ticket)
    if not received:
        to = _requester_address(ticket)
        if to:
            body = (
                f"{message.body_text}\n\n--\nTicket #{ticket.pk}: reply to this mail to answer.\n"
            )
            mail = _mail(ticket, "m", message.pk, auto=False)
            key = f"mail:reply:{message.pk}"
            _enqueue(ticket, to, "customer_reply", key, mail["subject"], body, mail, message)
        return
    recipients = mail_recipients(ticket, received)
    references = thread_headers(ticket)[1]
    sender = _sender(ticket)
    body = f"{message.body_text}\n\n--\nTicket #{ticket.pk}: reply to this mail to answer.\n"
    queued = []
    for n, address in enumerate(recipients):
        own = next((m for m, author in received if author == address), received[0][0])
        mail = _mail(ticket, "m", message.pk, auto=False, sender=sender, thread=(own, references))
        # the first recipient keeps the key one recipient always had
        # (rows queued before stay unique)
        key = f"mail:reply:{message.pk}" if n == 0 else f"mail:reply:{message.pk}:{address}"
        queued.append(
            _Queued(ticket, address, "customer_reply", key, mail["subject"], body, mail, message)
        )
    _enqueue_many(queued)


def _requester_address(ticket: Ticket, *, required: bool = False) -> str | None:
    """The requester's address for a ticket that has no mail thread, lower-case; None when
    there is none or the contact turned ``email_updates`` off (unless ``required``)."""
    requester = ticket.requester
    if not requester.email or not (required or requester.email_updates):
        return None
    return str(requester.email).lower()


def priority_changed(
    ticket: Ticket, old: str, new: str, reason: str, at: Any, required: bool
) -> None:
    """Queue the notice of a priority change, with its reason, to the ticket's customers:
    the mail thread's recipients (`mail_recipients`) or, for a portal / API ticket, its
    requester (whose ``email_updates`` a policy-required notice overrides). Called in the
    changing transaction (`PriorityChanged`)."""
    received = _received(ticket)
    if received:
        recipients = mail_recipients(ticket, received)
    else:
        to = _requester_address(ticket, required=required)
        recipients = [to] if to else []
    if not recipients:
        return
    body = (
        f'The priority of your ticket #{ticket.pk} "{ticket.subject}" changed from {old} to '
        f"{new}.\n\nWhy: {reason}\n\n--\nTicket #{ticket.pk}: reply to this mail to answer.\n"
    )
    stamp = int(at.timestamp() * 1_000_000)
    queued = []
    for address in recipients:
        mail = _mail(ticket, "p", stamp % 1_000_000_000, auto=False)
        mail["subject"] = f"[#{ticket.pk}] Priority changed to {new}: {ticket.subject}"
        key = f"mail:priority:{ticket.pk}:{stamp}:{address}"
        queued.append(
            _Queued(ticket, address, "customer_notice", key, mail["subject"], body, mail, None)
        )
    _enqueue_many(queued)


def _received(ticket: Ticket) -> list[tuple[str, str]]:
    """``(Message-ID, sender address)`` of the mail received on ``ticket``, newest first
    (the sender is the contact who wrote it, lower-case; ``""`` when the message has none)."""
    rows = (
        EmailMessageId.objects.filter(ticket=ticket, direction=EmailMessageId.IN)
        .order_by("-id")
        .values_list("message_id", "ticket_message__author_contact__email")
    )
    return [(m, (sender or "").lower()) for m, sender in rows]


def mail_recipients(ticket: Ticket, received: Sequence[tuple[str, str]] | None = None) -> list[str]:
    """Who gets ``ticket``'s public agent replies by mail, lower-case, requester first:
    the requester when the ticket came in by mail, then every contact whose mail was
    received on the ticket (its own and, after a merge, the merged tickets'), in the order
    of their first mail. Empty for a ticket that never received mail."""
    received = _received(ticket) if received is None else received
    if not received:
        return []
    found: list[str] = []
    if ticket.channel == Channel.EMAIL and ticket.requester.email:
        found.append(ticket.requester.email.lower())
    for _, sender in reversed(received):
        if sender and sender not in found:
            found.append(sender)
    return found


def split_threads(message_ids: Sequence[int], target: Ticket) -> int:
    """Move the Message-IDs of the messages ``message_ids`` (mail received as them, agent
    replies sent as them) to ``target`` (`services.split`, in its transaction); returns how
    many moved. A reply to a mail that was split off then threads to where that mail went,
    and its sender is among ``target``'s `mail_recipients`."""
    return EmailMessageId.objects.filter(ticket_message_id__in=list(message_ids)).update(
        ticket=target
    )


def merge_threads(source: Ticket, target: Ticket) -> int:
    """Move the Message-IDs sent and received on ``source`` to ``target`` (`services.merge`,
    in its transaction); returns how many moved.

    Threading then needs one lookup whatever the merge chain: a reply to any old mail of
    ``source`` threads straight into ``target``, ``target``'s mail references the whole
    conversation, and ``source``'s senders are among ``target``'s `mail_recipients`.
    """
    return EmailMessageId.objects.filter(ticket=source).update(ticket=target)
