"""Full-text search over tickets: one query language (`sladesk.tickets.search.query`), two
backends, and the maintenance the ticket services call in their own transactions.

What a ticket's document holds, and how much each part weighs in the ranking:

========  ==============================================================  ======
part      text                                                            weight
========  ==============================================================  ======
subject   the subject                                                     A
people    requester name and e-mail, organization name, tag names         B
body      public messages (replies, the description), in order            C
notes     internal notes                                                  C
========  ==============================================================  ======

Agents match every part; contacts (``public_only``) never match nor rank by ``notes``.

PostgreSQL: table ``ticket_search`` (``ticket_id`` → ``tickets_ticket``, ``head``, ``body``,
``notes``: tsvectors of the ``simple`` configuration) with a GIN index on ``head || body ||
notes`` (agents) and one on ``head || body`` (contacts); ranked with ``ts_rank_cd``.
``simple`` (no stemming, no stop words) because tickets arrive in several languages at once
(English, German ...) and hold names, host names, error codes and ticket numbers a
language's stemmer would mangle; ``migrat*`` covers the inflections instead. SQLite: FTS5
table ``ticket_search(subject, people, body, notes)`` with ``rowid`` = ticket id, ranked
with ``bm25`` (weights 10, 4, 1, 1). Both read the same normalised text (`query.words`), so
both find the same tickets.

Maintenance (each inside the caller's transaction): `index_opened` (a new ticket),
`message_added` (appends to ``body`` or ``notes``; no rebuild), `heads_changed` (subject,
tags, requester), `messages_moved` (merge, split: rebuilt), `people_changed` (an
organization or contact renamed) and `reindex` (the backfill, in batches by id). A ticket
missing from the table (written before it existed) is built whole the first time one of
these touches it. A column stops growing at about `MAX_COLUMN_BYTES` (PostgreSQL caps a
tsvector at 1 MB): later words of a very long conversation are not searchable.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from ..models import Ticket
from .query import Query, fts5, parse, tsquery, words

__all__ = [
    "RANK_CANDIDATES",
    "Document",
    "heads_changed",
    "index_opened",
    "match_q",
    "message_added",
    "messages_moved",
    "parse",
    "people_changed",
    "ranked_ids",
    "rebuild",
    "reindex",
]

#: Words kept per message-text column of one ticket (see the module docstring).
MAX_COLUMN_WORDS = 30_000
MAX_COLUMN_BYTES = 400_000
#: How many of the newest matches a ranked search orders by relevance (`ranked_ids`).
RANK_CANDIDATES = 1000
_PUBLIC_COLUMNS = ("subject", "people", "body")


@dataclass
class Document:
    """The normalised text (space-separated `words`) of one ticket's four parts."""

    ticket_id: int
    subject: str = ""
    people: str = ""
    body: str = ""
    notes: str = ""


def _norm(*texts: str | None, limit: int = MAX_COLUMN_WORDS) -> str:
    out: list[str] = []
    for text in texts:
        if text:
            out.extend(words(text)[: limit - len(out)])
    return " ".join(out)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


# ------------------------------------------------------------------ searching
def match_q(text: str, *, public_only: bool) -> Q:
    """The tickets ``text`` finds, as a condition on `Ticket` (combine it with any other
    filter). ``public_only``: a contact's search (subject, people and public messages).
    An empty query (no words, no number) matches nothing."""
    query = parse(text)
    condition = Q(pk__in=[])
    if query.terms:
        sql, params = _select_sql(query, public_only)
        condition = Q(pk__in=RawSQL(sql, params))
    if query.number is not None:
        condition |= Q(pk=query.number)
    return condition


def _match_sql(query: Query, public_only: bool) -> tuple[str, list[Any]]:
    """The WHERE condition on ``ticket_search`` of the matching documents, and its params."""
    if _postgres():
        q = tsquery(query)
        if public_only:  # the contacts' index, ticket_search_public_idx
            return "(head || body) @@ %s::tsquery", [q]
        return "(head || body || notes) @@ %s::tsquery", [q]
    return "ticket_search MATCH %s", [fts5(query, _PUBLIC_COLUMNS if public_only else ())]


#: PostgreSQL: the matching ids are read from the GIN index alone (a bitmap scan) and kept
#: apart from the outer query; without the fence the planner may instead walk a primary key
#: in id order and test every document against the query (a rare word: the whole table).
_FENCE = "WITH m AS MATERIALIZED (SELECT ticket_id AS id FROM ticket_search"


def _key() -> str:
    return "ticket_id" if _postgres() else "rowid"


def _select_sql(query: Query, public_only: bool) -> tuple[str, list[Any]]:
    """``SELECT id`` of the matching documents (no other filter)."""
    where, params = _match_sql(query, public_only)
    if _postgres():  # the GIN index first, whatever the outer query's order (see `_FENCE`)
        return f"{_FENCE} WHERE {where}) SELECT id FROM m", params
    return f"SELECT rowid FROM ticket_search WHERE {where}", params


def ranked_ids(
    qs: QuerySet[Any], text: str, *, public_only: bool, limit: int, offset: int = 0
) -> list[int]:
    """Ids of the tickets of ``qs`` that ``text`` finds, ``limit`` of them after skipping
    ``offset``: the newest `RANK_CANDIDATES` matches best first (rank, then newest id),
    then any older matches newest first. The ticket a number query names (`Query.number`)
    comes first when ``qs`` holds it.

    Why only the newest matches are ranked: ranking reads every candidate's whole document,
    so its cost grows with the matches (a common word matches half the desk); the newest
    `RANK_CANDIDATES` are read through the index in id order and the page stays fast at any
    size. On a support desk the recent tickets are the ones searched for.
    """
    query = parse(text)
    if not query:
        return []
    first: list[int] = []
    if query.number is not None and qs.filter(pk=query.number).exists():
        first = [query.number]
    if offset == 0:
        head, limit = first, limit - len(first)
    else:
        head, offset = [], offset - len(first)
    if not query.terms or limit <= 0:
        return head
    key = _key()
    where, params = _match_sql(query, public_only)
    if _postgres():
        candidates, key = f"{_FENCE} WHERE {where}) SELECT id FROM m WHERE true", "id"
    else:
        rank = ", bm25(ticket_search, 10.0, 4.0, 1.0, 1.0) AS rank"
        candidates = f"SELECT {key} AS id{rank} FROM ticket_search WHERE {where}"
    if qs.query.has_filters():
        inner, inner_params = qs.order_by().values("pk").query.sql_with_params()
        candidates += f" AND {key} IN ({inner})"
        params = [*params, *inner_params]
    if first:
        candidates += f" AND {key} <> %s"
        params = [*params, *first]
    candidates += f" ORDER BY {key} DESC"
    found: list[int] = []
    with connection.cursor() as cursor:
        if offset < RANK_CANDIDATES:
            if _postgres():
                sql = (
                    f"SELECT s.ticket_id FROM ({candidates} LIMIT %s) c JOIN ticket_search s"
                    " ON s.ticket_id = c.id ORDER BY ts_rank_cd("
                    + ("s.head || s.body" if public_only else "s.head || s.body || s.notes")
                    + ", %s::tsquery) DESC, s.ticket_id DESC LIMIT %s OFFSET %s"
                )
                extra = [tsquery(query)]
            else:  # bm25: lower is better
                sql = (
                    f"SELECT c.id FROM ({candidates} LIMIT %s) c"
                    " ORDER BY c.rank, c.id DESC LIMIT %s OFFSET %s"
                )
                extra = []
            take = min(limit, RANK_CANDIDATES - offset)
            cursor.execute(sql, [*params, RANK_CANDIDATES, *extra, take, offset])
            found = [row[0] for row in cursor.fetchall()]
        start = max(offset, RANK_CANDIDATES)
        if offset + limit > start:
            cursor.execute(
                f"SELECT c.id FROM ({candidates}) c LIMIT %s OFFSET %s",
                [*params, offset + limit - start, start],
            )
            found += [row[0] for row in cursor.fetchall()]
    return head + found


# ------------------------------------------------------------------ maintenance
def index_opened(
    tickets: Sequence[Any], tags: Sequence[Sequence[str]], bodies: Sequence[str]
) -> None:
    """Index new tickets (`open_tickets`): ``tickets`` with their requester and organization
    loaded, each one's tag names and first public message, in one statement."""
    _write(
        [
            Document(
                t.pk,
                _norm(t.subject),
                _norm(t.requester.name, t.requester.email, t.organization.name, *names),
                _norm(body),
            )
            for t, names, body in zip(tickets, tags, bodies, strict=True)
        ]
    )


def message_added(message: Any) -> None:
    """Append ``message``'s text to its ticket's ``body`` (public) or ``notes`` (internal)."""
    column = "body" if message.public else "notes"
    text = _norm(message.body_text)
    if not text:
        return
    with connection.cursor() as cursor:
        if _postgres():
            cursor.execute(
                f"UPDATE ticket_search SET {column} = {column}"
                " || setweight(to_tsvector('simple', %s), 'C')"
                f" WHERE ticket_id = %s AND pg_column_size({column}) < %s",
                [text, message.ticket_id, MAX_COLUMN_BYTES],
            )
        else:
            cursor.execute(
                f"UPDATE ticket_search SET {column} = {column} || ' ' || %s"
                f" WHERE rowid = %s AND length({column}) < %s",
                [text, message.ticket_id, MAX_COLUMN_BYTES],
            )
        if cursor.rowcount == 0:
            _rebuild_missing([message.ticket_id])


def heads_changed(ticket_ids: Iterable[int]) -> None:
    """Rewrite the subject and people parts of these tickets (subject, tags or requester
    changed); their messages are not re-read."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return
    heads = _heads(ids)
    with connection.cursor() as cursor:
        if _postgres():
            sql = (
                "UPDATE ticket_search SET head = setweight(to_tsvector('simple', %s), 'A')"
                " || setweight(to_tsvector('simple', %s), 'B') WHERE ticket_id = %s"
            )
        else:
            sql = "UPDATE ticket_search SET subject = %s, people = %s WHERE rowid = %s"
        cursor.executemany(sql, [(d.subject, d.people, d.ticket_id) for d in heads.values()])
    _rebuild_missing(ids)


def messages_moved(ticket_ids: Iterable[int]) -> None:
    """Rebuild these tickets whole (messages moved between them: merge, split)."""
    rebuild(ticket_ids)


def people_changed(
    *, organization_id: int | None = None, contact_id: int | None = None, batch: int = 1000
) -> int:
    """Rewrite the heads of the tickets of a renamed organization or contact (requester);
    returns how many. In batches by id; call inside the transaction of the rename."""
    qs = Ticket.objects.order_by("pk")
    if organization_id is not None:
        qs = qs.filter(organization_id=organization_id)
    if contact_id is not None:
        qs = qs.filter(requester_id=contact_id)
    done, last = 0, 0
    while ids := list(qs.filter(pk__gt=last).values_list("pk", flat=True)[:batch]):
        heads_changed(ids)
        done, last = done + len(ids), ids[-1]
    return done


def rebuild(ticket_ids: Iterable[int]) -> None:
    """Rebuild these tickets' documents from their rows (tickets gone are dropped)."""
    ids = sorted(set(ticket_ids))
    if not ids:
        return
    docs = _heads(ids)
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ticket_id, public, body_text FROM tickets_message WHERE ticket_id IN ({marks})"
            " ORDER BY ticket_id, created_at, id",
            ids,
        )
        texts: dict[tuple[int, bool], list[str]] = {}
        for ticket_id, public, body in cursor.fetchall():
            texts.setdefault((ticket_id, bool(public)), []).append(body)
    for doc in docs.values():
        doc.body = _norm(*texts.get((doc.ticket_id, True), ()))
        doc.notes = _norm(*texts.get((doc.ticket_id, False), ()))
    if not _postgres():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM ticket_search WHERE rowid IN ({marks})", ids)
    _write(list(docs.values()))


def reindex(
    *, after_id: int = 0, batch: int = 1000, organization_id: int | None = None
) -> Iterator[tuple[int, int]]:
    """Rebuild every ticket's document (the backfill), ``batch`` tickets per transaction in
    id order from ``after_id`` (exclusive): resumable, and live traffic keeps writing
    between batches. Yields (last id, tickets done) after each batch."""
    where = "id > %s" + (" AND organization_id = %s" if organization_id else "")
    done = 0
    while True:
        params = [after_id, organization_id] if organization_id else [after_id]
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM tickets_ticket WHERE {where} ORDER BY id LIMIT %s",
                [*params, batch],
            )
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            return
        with transaction.atomic():
            rebuild(ids)
        done, after_id = done + len(ids), ids[-1]
        yield after_id, done


def _heads(ids: list[int]) -> dict[int, Document]:
    """Documents of these tickets holding only subject and people, read in two queries."""
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT t.id, t.subject, c.name, c.email, o.name FROM tickets_ticket t"
            " JOIN accounts_contact c ON c.id = t.requester_id"
            f" JOIN accounts_organization o ON o.id = t.organization_id WHERE t.id IN ({marks})",
            ids,
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT tt.ticket_id, g.name FROM tickets_ticket_tags tt"
            " JOIN tickets_tag g ON g.id = tt.tag_id"
            f" WHERE tt.ticket_id IN ({marks}) ORDER BY g.name",
            ids,
        )
        tags: dict[int, list[str]] = {}
        for ticket_id, name in cursor.fetchall():
            tags.setdefault(ticket_id, []).append(name)
    return {
        pk: Document(pk, _norm(subject), _norm(name, email, org, *tags.get(pk, ())))
        for pk, subject, name, email, org in rows
    }


def _rebuild_missing(ids: list[int]) -> None:
    """Build whole the documents of these tickets that have none yet."""
    marks = ", ".join(["%s"] * len(ids))
    key = "ticket_id" if _postgres() else "rowid"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {key} FROM ticket_search WHERE {key} IN ({marks})", ids)
        present = {row[0] for row in cursor.fetchall()}
    rebuild([i for i in ids if i not in present])


def _write(docs: list[Document]) -> None:
    """Insert (PostgreSQL: or replace) these documents in one statement."""
    if not docs:
        return
    with connection.cursor() as cursor:
        if _postgres():
            cursor.executemany(
                "INSERT INTO ticket_search (ticket_id, head, body, notes) VALUES (%s,"
                " setweight(to_tsvector('simple', %s), 'A')"
                " || setweight(to_tsvector('simple', %s), 'B'),"
                " setweight(to_tsvector('simple', %s), 'C'),"
                " setweight(to_tsvector('simple', %s), 'C'))"
                " ON CONFLICT (ticket_id) DO UPDATE SET head = EXCLUDED.head, body = EXCLUDED.body,"
                " notes = EXCLUDED.notes",
                [(d.ticket_id, d.subject, d.people, d.body, d.notes) for d in docs],
            )
        else:
            cursor.executemany(
                "INSERT OR REPLACE INTO ticket_search (rowid, subject, people, body, notes)"
                " VALUES (%s, %s, %s, %s, %s)",
                [(d.ticket_id, d.subject, d.people, d.body, d.notes) for d in docs],
            )
