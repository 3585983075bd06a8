"""Reads of tickets for views, the API and reports. No writes here.

Every list is batch-loaded (``select_related`` for the ticket's foreign keys,
``prefetch_related`` for tags and clocks) so a page of tickets costs a constant number of
queries. `ticket_summaries` is the lean read behind the API: plain rows of only the columns
the API shows (three queries for any page, no model instances, no policy texts). Who may
see what is decided in `sladesk.tickets.access`; the readers here that take a ``user``
ask it.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects

from sladesk.core import time as core_time
from sladesk.core.compiled import CompiledQuery
from sladesk.core.policies import policy_for_digest, targets_for

from . import clocks
from .access import (
    access_ticket,
    sees_all_tickets,
    ticket_scope_q,
    visible_messages,
    visible_tickets,
)
from .clocks import ClockStatus
from .models import (
    Attachment,
    ClockState,
    LinkKind,
    Message,
    PolicyVersion,
    SlaClock,
    Ticket,
    TicketEvent,
    TicketLink,
)

__all__ = [
    "breaching_page",
    "clock_statuses",
    "filter_tickets",
    "get_ticket",
    "opened_summary",
    "related_tickets",
    "ticket_events",
    "ticket_list",
    "ticket_summaries",
    "with_attachments",
]

_LIST_RELATED = ("organization", "requester", "team", "assignee", "policy_version")

#: Clock order in every answer.
_METRIC_ORDER = {
    m: i for i, m in enumerate(("first_response", "next_update", "resolution", "dispatch"))
}

#: The ticket columns `ticket_summaries` reads (plus the requester's email, the snapshot's
#: digest, the tag names and the clocks).
SUMMARY_FIELDS = (
    "id",
    "subject",
    "status",
    "priority",
    "organization_id",
    "requester_id",
    "team_id",
    "assignee_id",
    "channel",
    "custom_fields",
    "escalation_level",
    "escalation_role",
    "policy_version_id",
    "policy_name",
    "plan",
    "region",
    "follow_up_of_id",
    "created_at",
    "updated_at",
    "solved_at",
    "closed_at",
)

#: What `ticket_summaries` reads of a ticket row (then completed by `_complete`).
_SUMMARY_COLUMNS = (*SUMMARY_FIELDS, "requester__email", "policy_version__digest")

#: The clock columns `clocks.status_of` reads.
_CLOCK_FIELDS = (
    "ticket_id",
    "metric",
    "state",
    "running_since",
    "used",
    "target_work",
    "calendar_name",
    "due_at",
    "warn_at",
    "met_at",
    "breached_at",
    "cycle",
    "explanation",
    "pauses",
    "target_text",
)


def filter_tickets(
    qs: QuerySet[Ticket],
    *,
    status: str | Iterable[str] | None = None,
    priority: str | None = None,
    organization: int | None = None,
    team: int | None = None,
    assignee: int | None = None,
    tag: str | None = None,
    breaching_before: datetime | None = None,
) -> QuerySet[Ticket]:
    """Apply the list filters. ``breaching_before``: some *running* clock is due before it
    (half-open: ``due_at < breaching_before``; uses the partial index on running clocks)."""
    if status:
        qs = (
            qs.filter(status=status)
            if isinstance(status, str)
            else qs.filter(status__in=list(status))
        )
    if priority:
        qs = qs.filter(priority=priority)
    if organization:
        qs = qs.filter(organization_id=organization)
    if team:
        qs = qs.filter(team_id=team)
    if assignee:
        qs = qs.filter(assignee_id=assignee)
    if tag:
        qs = qs.filter(tags__name=tag)
    if breaching_before is not None:
        due = SlaClock.objects.filter(
            ticket=OuterRef("pk"), state=ClockState.RUNNING, due_at__lt=breaching_before
        )
        qs = qs.filter(Exists(due))
    return qs


def breaching_page(
    user: Any, filters: dict[str, Any], now: datetime
) -> Callable[[int | None, bool, int], list[dict[str, Any]]] | None:
    """A faster source of the pages of `filter_tickets` by id, or None when there is none.

    When the caller sees every ticket and ``breaching_before`` is the only filter, the
    matching tickets are exactly the ticket ids of the running clocks due before it, and
    those are in the covering partial index ``(due_at) INCLUDE (ticket_id) WHERE running``:
    the ids are read from that index alone, without probing the tickets table once per
    matching clock (a foreign key guarantees each ticket exists). Returns
    ``page(after, descending, limit)``: the `ticket_summaries` (as of ``now``) of at most
    ``limit`` of those tickets in id order, strictly after the id ``after`` (None: from
    the start) — a page of a keyset pagination by id. Same rows as `filter_tickets` then
    `ticket_summaries`; only the queries differ: the page's tickets are one query (ids
    from the index, then their rows), compiled once per direction, cursor or not, and
    limit on PostgreSQL (`sladesk.core.compiled`), plus the tags and clocks queries.
    """
    before = filters.get("breaching_before")
    if before is None or any(
        v not in (None, "") for k, v in filters.items() if k != "breaching_before"
    ):
        return None
    if not sees_all_tickets(user):
        return None

    def page(after: int | None, descending: bool, limit: int) -> list[dict[str, Any]]:
        query = _breaching_query(descending, after is not None, limit)
        found = query(before) if after is None else query(before, after)
        return _summaries([dict(zip(_SUMMARY_COLUMNS, row, strict=True)) for row in found], now)

    return page


#: (descending, after a cursor, limit) -> the compiled page query of `breaching_page`.
_breaching_queries: dict[tuple[bool, bool, int], CompiledQuery[Any]] = {}


def _breaching_query(descending: bool, with_after: bool, limit: int) -> CompiledQuery[Any]:
    key = (descending, with_after, limit)
    query = _breaching_queries.get(key)
    if query is None:

        def build(before: datetime, after: int | None = None) -> QuerySet[Any]:
            clocks = SlaClock.objects.filter(state=ClockState.RUNNING, due_at__lt=before)
            if with_after:
                clocks = clocks.filter(
                    **{"ticket_id__lt" if descending else "ticket_id__gt": after}
                )
            order = "-ticket_id" if descending else "ticket_id"
            ids = clocks.order_by(order).values_list("ticket_id", flat=True).distinct()[:limit]
            tickets = Ticket.objects.filter(pk__in=ids).order_by("-id" if descending else "id")
            return tickets.values_list(*_SUMMARY_COLUMNS)

        types = (datetime, int) if with_after else (datetime,)
        query = _breaching_queries.setdefault(key, CompiledQuery(build, *types, fallback=True))
    return query


def ticket_list(user: Any, **filters: Any) -> QuerySet[Ticket]:
    """Visible tickets, filtered (see `filter_tickets`), newest first, batch-loaded."""
    qs = filter_tickets(visible_tickets(user), **filters)
    return qs.select_related(*_LIST_RELATED).prefetch_related("tags", "clocks")


def get_ticket(user: Any, ticket_id: Any, *, messages: bool = True) -> Ticket:
    """One visible ticket with its clocks, tags and the messages ``user`` may read.

    ``messages=False`` leaves the conversation out (for a clock panel that is polled: a
    long ticket's messages are most of what this would read). Raises ``Http404`` for a
    ticket that does not exist *or* is not visible (`sladesk.tickets.access.access_ticket`:
    other organizations' contacts and agents scoped elsewhere get 404, never 403).
    """
    related: list[Any] = ["tags", "clocks"]
    if messages:
        readable = visible_messages(user, Message.objects.all()).prefetch_related("attachments")
        related.append(Prefetch("messages", queryset=readable))
    qs = Ticket.objects.select_related(*_LIST_RELATED).prefetch_related(*related)
    return access_ticket(user, ticket_id, qs)


def ticket_summaries(
    tickets: Sequence[int] | Sequence[Ticket] | QuerySet[Ticket],
    now: datetime | None = None,
    extra: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Tickets as plain rows, with their tags and their clocks as of ``now``. Three queries.

    ``tickets`` is a sequence of ids (the rows come back in that order; missing ids are
    skipped), a queryset (its order), or `Ticket` instances just written (their fields are
    used as they are, with the ``requester`` and ``policy_version`` they hold: two queries,
    tags and clocks). No visibility check here: callers pass visible tickets. ``extra``:
    more columns or annotations of the queryset to read (e.g. a pagination key). Each row
    holds `SUMMARY_FIELDS` plus
    ``requester_email``, ``policy_digest``, ``tags`` (names, sorted) and ``clocks`` (a
    `ClockStatus` per clock, first_response / next_update / resolution / dispatch),
    computed exactly as `clock_statuses` does but from the snapshot's digest: the policy
    text is never loaded once its version is in the process cache
    (`sladesk.core.policies.policy_for_digest`).
    """
    now = now or core_time.now()
    columns = _SUMMARY_COLUMNS
    if isinstance(tickets, QuerySet):
        rows = list(tickets.values(*columns, *(c for c in extra if c not in columns)))
    elif tickets and isinstance(tickets[0], Ticket):
        rows = [_row_of(t) for t in tickets]  # type: ignore[arg-type]
    else:
        found = {r["id"]: r for r in Ticket.objects.filter(pk__in=list(tickets)).values(*columns)}
        rows = [found[pk] for pk in tickets if pk in found]
    return _summaries(rows, now)


def _summaries(rows: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Rows of `_SUMMARY_COLUMNS` completed with their tags and clocks (two queries)."""
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    tags: dict[int, list[str]] = {pk: [] for pk in ids}
    for ticket_id, name in _tag_rows(ids):
        tags[ticket_id].append(name)
    clock_rows: dict[int, list[Any]] = {pk: [] for pk in ids}
    for clock in _clock_rows(ids):
        clock_rows[clock.ticket_id].append(clock)
    for row in rows:
        _complete(row, tags[row["id"]], clock_rows[row["id"]], now)
    return rows


#: The tags and the clocks of a page of tickets: one query text each for any page size
#: (``anyof``), compiled once on PostgreSQL (`sladesk.core.compiled`), built per call on
#: SQLite.
_tag_rows: CompiledQuery[Any] = CompiledQuery(
    lambda ids: (
        Ticket.tags.through.objects.filter(ticket_id__anyof=ids)
        .order_by("tag__name")
        .values_list("ticket_id", "tag__name")
    ),
    list,
    fallback=True,
)
_clock_rows: CompiledQuery[Any] = CompiledQuery(
    lambda ids: (
        SlaClock.objects.filter(ticket_id__anyof=ids)
        .order_by()
        .values_list(*_CLOCK_FIELDS, named=True)
    ),
    list,
    fallback=True,
)


def opened_summary(ticket: Ticket, now: datetime | None = None) -> dict[str, Any]:
    """`ticket_summaries` of a ticket fresh from `services.open_ticket`, without a query.

    Built from what the service wrote (``ticket.opening``: tags, started clocks) and the
    instances it holds (requester, policy snapshot) — the same row reading it back gives.
    """
    row = _row_of(ticket)
    stored = [_as_stored(clock) for clock in ticket.opening.clocks]
    _complete(row, ticket.opening.tags, stored, now or core_time.now())
    return row


_StoredClock = namedtuple("_StoredClock", _CLOCK_FIELDS)  # type: ignore[misc]


def _as_stored(clock: SlaClock) -> Any:
    """The `_CLOCK_FIELDS` of an unsaved-looking clock as the database gives them back:
    instants in UTC (the SLA code computes them in the calendar's zone)."""
    values = [getattr(clock, f) for f in _CLOCK_FIELDS]
    return _StoredClock(*(v.astimezone(UTC) if isinstance(v, datetime) else v for v in values))


def _complete(row: dict[str, Any], tags: list[str], clock_rows: list[Any], now: datetime) -> None:
    """Turn a row of `SUMMARY_FIELDS` + joined columns into a summary (see `ticket_summaries`)."""
    row["requester_email"] = row.pop("requester__email")
    row["policy_digest"] = row.pop("policy_version__digest")
    row["tags"] = tags
    targets = _targets(row)
    row["clocks"] = [
        clocks.status_of(c, targets.get(c.metric), now)
        for c in sorted(clock_rows, key=lambda c: _METRIC_ORDER.get(c.metric, 9))
    ]


def _row_of(ticket: Ticket) -> dict[str, Any]:
    row = {field: getattr(ticket, field) for field in SUMMARY_FIELDS}
    row["requester__email"] = ticket.requester.email
    row["policy_version__digest"] = ticket.policy_version.digest
    return row


def _targets(row: dict[str, Any]) -> dict[str, Any]:
    """Metric -> Target of a summary row (as `clocks.targets_of` of its ticket)."""
    version_id = row["policy_version_id"]
    policy = policy_for_digest(
        row["policy_digest"],
        lambda: PolicyVersion.objects.values_list("text", flat=True).get(pk=version_id),
        source=f"{row['policy_name']}.yaml",
    )
    return targets_for(policy, row["priority"], row["plan"], row["region"])


def with_attachments(messages: QuerySet[Message]) -> list[Message]:
    """``messages`` with their attachments (``message.attachments.all()`` costs no query).

    Like ``prefetch_related("attachments")``, but the attachments are only asked for when
    some message has one (an ``EXISTS`` in the messages query): most tickets have none,
    and then this is one query, not two.
    """
    has_files = Exists(Attachment.objects.filter(message=OuterRef("pk")))
    rows = list(messages.annotate(has_attachments=has_files))
    with_files = [m for m in rows if m.has_attachments]
    if with_files:
        prefetch_related_objects(with_files, "attachments")
    none = Prefetch("attachments", queryset=Attachment.objects.none())  # no query
    prefetch_related_objects([m for m in rows if not m.has_attachments], none)
    return rows


def ticket_events(ticket: Ticket) -> QuerySet[TicketEvent]:
    """The ticket's history, oldest first (agents only: it mentions internal notes).

    Each event names its actor in ``actor_label`` (written with the event), so the actor
    rows are not joined: a long ticket has hundreds of events."""
    return TicketEvent.objects.filter(ticket=ticket)


def clock_statuses(ticket: Ticket, now: datetime | None = None) -> list[ClockStatus]:
    """The ticket's clocks as of ``now`` (default: `core.now()`), computed without writing.

    Uses prefetched ``ticket.clocks`` when present. A running clock past its due instant
    reads as breached even before `services.breach_due_clocks` records it.
    """
    now = now or core_time.now()
    targets = clocks.targets_of(ticket)
    order = {
        m: i for i, m in enumerate(("first_response", "next_update", "resolution", "dispatch"))
    }
    rows = sorted(ticket.clocks.all(), key=lambda c: order.get(c.metric, 9))
    return [clocks.status_of(c, targets.get(c.metric), now) for c in rows]


@dataclass(frozen=True)
class RelatedTicket:
    """Another ticket and how it relates to the one being viewed.

    ``relation``: ``related``, ``merged into`` / ``merged from``, ``split from`` /
    ``split off``, ``follow-up of`` / ``follow-up`` (a customer's reply on a closed
    ticket, `Ticket.follow_up_of`).
    """

    ticket: Ticket
    relation: str


_RELATION = {
    (LinkKind.RELATED, True): "related",
    (LinkKind.RELATED, False): "related",
    (LinkKind.MERGED, True): "merged into",
    (LinkKind.MERGED, False): "merged from",
    (LinkKind.SPLIT, True): "split from",
    (LinkKind.SPLIT, False): "split off",
    (LinkKind.FOLLOW_UP, True): "follow-up of",
    (LinkKind.FOLLOW_UP, False): "follow-up",
}


def related_tickets(ticket: Ticket, viewer: Any = None) -> list[RelatedTicket]:
    """Every ticket linked to ``ticket`` (links, merges, splits, follow-ups), oldest link
    first. One query; staff only (it may name other organizations' tickets). With a
    ``viewer``, only the linked tickets the viewer may see (a scoped agent's)."""
    links = TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket)).select_related(
        "source__organization", "target__organization"
    )
    if viewer is not None:
        source, target = ticket_scope_q(viewer, "source__"), ticket_scope_q(viewer, "target__")
        if source is not None and target is not None:
            links = links.filter((Q(source=ticket) & target) | (Q(target=ticket) & source))
    out = []
    for row in links:
        mine = row.source_id == ticket.pk
        out.append(RelatedTicket(row.target if mine else row.source, _RELATION[(row.kind, mine)]))
    return out
