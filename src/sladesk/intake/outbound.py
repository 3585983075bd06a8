"""Mail to the customer: acknowledgements of new tickets and agents' public replies.

Both are outbox rows (`sladesk.notify.outbox`) written in the transaction of the change
that caused them, delivered by the outbox worker over SMTP with retries; the final outcome
(delivered, or dead after retries / a permanent 5xx) is a ``notify`` event on the ticket.
The e-mail channel renders ``Notification.extra["mail"]`` as given:

* ``Message-ID`` generated here and stored as a sent `EmailMessageId` at once, so the
  customer's answer threads even before the mail left, and our own mail coming back is
  recognised as a loop;
* ``In-Reply-To`` the customer's latest message, ``References`` the thread (last 20);
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
from typing import Any
from zoneinfo import ZoneInfo

from sladesk.core.clock import now
from sladesk.intake.email import ParsedMessage, signed_reply_address
from sladesk.tickets.models import EventKind, Message, Metric, SlaClock, Ticket, TicketEvent

from .conf import conf
from .models import EmailMessageId, InboundMessage

__all__ = ["acknowledge", "agent_replied", "thread_headers"]

_MAX_REFERENCES = 20


def _sender(ticket: Ticket) -> str:
    """The address the ticket arrived on (its first routed mail), else the default."""
    first = (
        InboundMessage.objects.filter(ticket=ticket, route__isnull=False)
        .select_related("route")
        .order_by("id")
        .first()
    )
    return first.route.address if first is not None and first.route is not None else conf().from_address.lower()


def thread_headers(ticket: Ticket) -> tuple[str | None, list[str]]:
    """``(In-Reply-To, References)`` for the next mail on ``ticket``."""
    ids = list(EmailMessageId.objects.filter(ticket=ticket).order_by("-id").values_list("message_id", "direction")[:_MAX_REFERENCES])
    received = [m for m, d in ids if d == EmailMessageId.IN]
    in_reply_to = received[0] if received else (ids[0][0] if ids else None)
    return in_reply_to, [m for m, _ in reversed(ids)]


def _message_id(kind: str, number: int, domain: str) -> str:
    return f"<sladesk.{kind}{number}.{token_source.token_hex(6)}@{domain}>"


def _enqueue(ticket: Ticket, to: str, purpose: str, key: str, subject: str, body: str, mail: dict[str, Any], message: Message | None) -> None:
    from sladesk.notify import Notification
    from sladesk.notify.outbox import enqueue
    from sladesk.notify.outbox import message as outbox_message
    from sladesk.notify.recipients import Recipient

    at = now()
    EmailMessageId.objects.get_or_create(
        message_id=mail["message_id"],
        defaults={"direction": EmailMessageId.OUT, "ticket": ticket, "ticket_message": message, "created_at": at},
    )
    notification = Notification(
        idempotency_key=key, channel="email", summary=subject, body=body, ticket_ref=f"#{ticket.pk}", extra={"mail": mail}
    )
    recipient = Recipient("email", f"email:{to}", f"customer {to}")
    enqueue([outbox_message(notification, recipient, key=key, purpose=purpose, at=at, ticket_id=ticket.pk)])
    TicketEvent.objects.create(
        ticket=ticket, at=at, actor_label="system", kind=EventKind.NOTIFY,
        data={"action": purpose, "outcome": "queued", "channel": "email", "to": [f"customer {to}"], "message_id": mail["message_id"]},
    )


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
    policy = ticket.policy
    level = policy.priority(ticket.priority)
    label = ticket.priority if level.name == ticket.priority else f"{ticket.priority} ({level.name})"
    lines = [
        f"Hello {ticket.requester.name or ticket.requester.email},",
        "",
        f"we have received your request and opened ticket #{ticket.pk}: {ticket.subject}",
        "",
        f"Priority: {label}",
    ]
    first = SlaClock.objects.filter(ticket=ticket, metric=Metric.FIRST_RESPONSE).first()
    if first is not None and first.due_at is not None:
        lines.append(f"First response by: {_customer_time(ticket, first.due_at)}")
    created = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CREATED).first()
    pages = (created.data.get("pages") if created else None) or []
    if any("outside" in reason for reason in pages):
        lines += ["", "Your request arrived outside our business hours: the on-call engineer has been told."]
    elif pages:
        lines += ["", "The on-call engineer has been told."]
    lines += ["", f"Reply to this mail to add to the ticket (keep [#{ticket.pk}] in the subject).", ""]
    routed = row.route.address if row.route is not None else None
    references = [*parsed.references[-(_MAX_REFERENCES - 1):], parsed.message_id]
    mail = _mail(ticket, "ack", ticket.pk, auto=True, sender=routed, thread=(parsed.message_id, references))
    to = row.from_address or ticket.requester.email
    _enqueue(ticket, to, "acknowledgement", f"mail:ack:{ticket.pk}", mail["subject"], "\n".join(lines), mail, None)


def agent_replied(message: Message) -> None:
    """Queue the mail of a public agent reply on a ticket that came in by e-mail.

    Called by ``services.reply`` in its transaction; tickets with no received mail
    (portal, API) are left to those channels.
    """
    ticket = message.ticket
    if message.from_customer or not message.public:
        return
    if not EmailMessageId.objects.filter(ticket=ticket, direction=EmailMessageId.IN).exists():
        return
    mail = _mail(ticket, "m", message.pk, auto=False)
    body = f"{message.body_text}\n\n--\nTicket #{ticket.pk}: reply to this mail to answer.\n"
    _enqueue(ticket, ticket.requester.email, "customer_reply", f"mail:reply:{message.pk}", mail["subject"], body, mail, message)
