"""What one transaction over several stored messages reads once and writes at the end
(see `sladesk.intake.pipeline.process_batch`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection

from sladesk.accounts.models import Contact, Organization
from sladesk.core.inserts import insert_new
from sladesk.core.time import now
from sladesk.intake.email import ParsedMessage, thread_keys
from sladesk.intake.email.authenticate import MailAuthentication
from sladesk.tickets.models import Ticket

from . import outbound
from .conf import conf
from .limits import rate_keys, recent_counts
from .models import EmailMessageId, InboundMessage
from .routing import find_contact
from .store import id_key

__all__ = ["SAVED_FIELDS", "Batch", "save_rows"]

#: What `process` writes back (never ``raw``: rewriting the bytes cost a blob write per message).
SAVED_FIELDS = [
    "state",
    "reason",
    "attempts",
    "processed_at",
    "from_address",
    "subject",
    "message_id",
    "ticket",
    "ticket_message",
    "organization",
    "route",
    "quoted_text",
    "authentication",
    "verdict",
    "identity",
    "held",
]


class Batch:
    """What one transaction over several stored messages reads once and writes at the end.

    Reads: the Message-IDs of every message and its thread keys (one query), the tickets
    they thread to, each sender's recent tickets/replies (rate limit), contacts by
    (organization, address). Writes deferred to `flush`: the received `EmailMessageId`
    rows, the acknowledgements (`outbound.acknowledge_many`) and the rows' outcome. A
    message of the batch is seen by the later ones in memory (a duplicate, a reply
    threading to a ticket opened earlier in the batch, the rate limit).
    """

    def __init__(
        self,
        rows: list[InboundMessage],
        parsed: dict[int, ParsedMessage],
        auth: dict[int, MailAuthentication] | None = None,
    ) -> None:
        keys: set[str] = set()
        for row in rows:
            keys.add(id_key(parsed[row.pk].message_id))
            keys.update(id_key(k) for k in thread_keys(parsed[row.pk]))
        self.known: dict[str, tuple[str, int | None]] = {
            m: (d, t)
            for m, d, t in EmailMessageId.objects.filter(message_id__in=sorted(keys)).values_list(
                "message_id", "direction", "ticket_id"
            )
        }
        wanted = {t for _, t in self.known.values() if t is not None}
        self.tickets = {
            t.pk: t for t in Ticket.objects.filter(pk__in=wanted).select_related("organization")
        }
        self.cfg = cfg = conf()  # read once per batch (settings and environment)
        self.secrets = cfg.secrets
        #: Each row's authentication (not checked: verdict "none") and rate-limit keys.
        self.auth = {
            row.pk: (auth or {}).get(row.pk) or MailAuthentication(reason="not checked")
            for row in rows
        }
        self.keys: dict[int, list[str]] = {}
        for row in rows:
            row.from_address = (parsed[row.pk].from_address or row.envelope_from or "")[:254]
            self.keys[row.pk] = rate_keys(row, self.auth[row.pk])
        since = now() - timedelta(seconds=cfg.rate_window)
        #: Tickets/replies per rate-limit key in the window, this batch's included.
        self.recent: dict[str, int] = recent_counts(
            {k for keys in self.keys.values() for k in keys}, since
        )
        #: Verified identities whose mail paged on-call in this batch (`steps._may_page`).
        self.paged: set[str] = set()
        self.contacts: dict[tuple[int | None, str], Contact] = {}
        self.received: list[EmailMessageId] = []
        self.acks: list[tuple[Ticket, ParsedMessage, InboundMessage]] = []
        #: Rows of this batch that became (or will become) a ticket or a reply, by Message-ID.
        self.pending: dict[str, InboundMessage] = {}
        #: Tickets decided but not opened yet: (row, parsed, request, notes), in row order.
        self.opening: list[tuple[InboundMessage, ParsedMessage, Any, list[str]]] = []
        #: What runs after the tickets are opened, in row order (`pipeline._finish`).
        self.later: list[Any] = []

    def ticket(self, pk: int | None) -> Ticket | None:
        if pk is None:
            return None
        if pk not in self.tickets:
            found = Ticket.objects.select_related("organization").filter(pk=pk).first()
            if found is None:
                return None
            self.tickets[pk] = found
        return self.tickets[pk]

    def contact(
        self, sender: str, name: str, org: Organization | None, create: bool, by_domain: bool = True
    ) -> tuple[Contact | None, str]:
        key = (org.pk if org is not None else None, sender.strip().lower())
        if key in self.contacts:
            return self.contacts[key], "known contact"
        contact, why = find_contact(sender, name, org, create=create, by_domain=by_domain)
        if contact is not None:
            self.contacts[key] = contact
        return contact, why

    def flush(self, rows: list[InboundMessage]) -> None:
        insert_new(self.received)  # unique: a clash rolls the batch back
        outbound.acknowledge_many(self.acks)
        save_rows(rows)


def save_rows(rows: list[InboundMessage]) -> None:
    """Write back `SAVED_FIELDS` of ``rows``: one prepared UPDATE run for every row
    (``executemany``). Django's ``bulk_update`` builds a CASE per field and row, which
    profiled at a quarter of a batch's time."""
    meta = InboundMessage._meta
    fields = [meta.get_field(name) for name in SAVED_FIELDS]
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(meta.db_table)} SET {', '.join(f'{quote(f.column)} = %s' for f in fields)}"  # type: ignore[union-attr]
        f" WHERE {quote(meta.pk.column)} = %s"  # type: ignore[union-attr]
    )
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk]  # type: ignore[union-attr]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
