"""Reads for the agent inbox (selectors-style: batch-loaded, no writes).

Inbox views (all but ``all`` cover active tickets only: new, open, pending, on hold):

=============  ==================================================================
``mine``       assigned to the viewer
``team``       dispatched to one of the viewer's teams
``unassigned`` no agent yet
``breaching``  some running clock is past the policy's warning point (``warn_at <= now``)
               and not yet due (``now < due_at``): amber
``breached``   some running clock is due (``due_at <= now``) or a clock is recorded
               breached and not met since: red
``all``        every ticket, any status
=============  ==================================================================

Rows are sorted by the next due instant of a running clock (soonest first), then tickets
with no running clock, newest first. One page of rows costs a constant number of queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet

from sladesk.accounts.access import visible_organizations
from sladesk.accounts.models import Team
from sladesk.core.converters import MAX_ID
from sladesk.tickets import access, search, selectors
from sladesk.tickets.models import ClockState, SlaClock, Ticket
from sladesk.tickets.models.ticket import ACTIVE_STATUSES
from sladesk.web.clocks import ClockBadge, urgent_badge, urgent_clocks

__all__ = [
    "SORTS",
    "VIEWS",
    "InboxRow",
    "filter_choices",
    "inbox_counts",
    "inbox_rows",
    "saved_view_counts",
    "team_ids",
    "view_q",
]

#: view key -> label, in the order of the inbox's side bar.
VIEWS: dict[str, str] = {
    "mine": "My tickets",
    "team": "My teams",
    "unassigned": "Unassigned",
    "breaching": "Breaching soon",
    "breached": "Breached",
    "all": "All tickets",
}
PAGE_SIZE = 50
#: sort key -> label; ``due`` (the default) is next due first, see `inbox_rows`.
SORTS: dict[str, str] = {"due": "Next due", "newest": "Newest", "oldest": "Oldest"}
#: What an inbox row shows (``desk/_inbox_list.html``); other columns stay unread.
_ROW_FIELDS = (
    "subject", "priority", "status", "policy_name", "plan", "organization__name",
    "assignee__username",
    "team__name",
)  # fmt: skip


def team_ids(user: Any) -> list[int]:
    """The ids of the teams the agent belongs to (empty for admins without a profile)."""
    profile = getattr(user, "agent_profile", None)
    if profile is None:
        return []
    return list(profile.teams.values_list("pk", flat=True))


def _with_running(**extra: Any) -> QuerySet[SlaClock]:
    """Ids of tickets with a running clock matching ``extra`` (the partial index of running
    clocks). Used as ``pk__in``: an uncorrelated subquery, evaluated once per query (a
    hashed subplan on PostgreSQL), not probed once per ticket like a correlated EXISTS."""
    return SlaClock.objects.filter(state=ClockState.RUNNING, **extra).values("ticket_id")


def view_q(view: str, user: Any, teams: list[int], now: datetime) -> Q:
    """The condition of an inbox view (see the module table)."""
    active = Q(status__in=ACTIVE_STATUSES)
    if view == "mine":
        return active & Q(assignee_id=user.pk)
    if view == "team":
        return active & Q(team_id__in=teams)
    if view == "unassigned":
        return active & Q(assignee__isnull=True)
    if view == "breaching":
        return active & Q(pk__in=_with_running(warn_at__lte=now, due_at__gt=now))
    if view == "breached":
        # recorded breached, not met since: the partial index sla_clock_breached_open_idx
        recorded = SlaClock.objects.filter(state=ClockState.BREACHED, met_at__isnull=True).values(
            "ticket_id"
        )
        return active & (Q(pk__in=_with_running(due_at__lte=now)) | Q(pk__in=recorded))
    return Q()


def inbox_counts(user: Any, teams: list[int], now: datetime) -> dict[str, int]:
    """Tickets per view in two queries: one aggregate over the active tickets (an index
    range, a few percent of a mature desk) and one count of all visible tickets."""
    visible = access.visible_tickets(user)
    active = visible.filter(status__in=ACTIVE_STATUSES)
    counts = active.aggregate(
        **{v: Count("pk", filter=view_q(v, user, teams, now)) for v in VIEWS if v != "all"}
    )
    counts["all"] = visible.count()
    return counts


def _row_id(text: str) -> int | None:
    """``text`` as a row id, or None when it is not one (not digits, or too large for any row:
    the database must not be asked, SQLite cannot even bind it)."""
    return int(text) if text.isdigit() and 0 < int(text) <= MAX_ID else None


def _filtered(qs: QuerySet[Ticket], filters: Mapping[str, str]) -> QuerySet[Ticket]:
    org = filters.get("organization") or ""
    if org and _row_id(org) is None:
        return qs.none()  # no organization has that id
    qs = selectors.filter_tickets(
        qs,
        status=filters.get("status") or None,
        priority=filters.get("priority") or None,
        organization=_row_id(org),
        tag=filters.get("tag") or None,
    )
    if filters.get("plan"):
        qs = qs.filter(plan=filters["plan"])
    if filters.get("channel"):
        qs = qs.filter(channel=filters["channel"])
    return qs


@dataclass(frozen=True)
class InboxRow:
    """One inbox line: the ticket and its most urgent clock.

    ``ticket`` holds only what the row shows (`_ROW_FIELDS`; any other field costs a query
    per row) and, in ``clocks.all()``, only the clocks a badge may show (`urgent_clocks`).
    """

    ticket: Ticket
    badge: ClockBadge | None


def inbox_rows(
    user: Any,
    view: str,
    filters: Mapping[str, str],
    now: datetime,
    *,
    page: int = 1,
    sort: str = "due",
) -> tuple[list[InboxRow], bool]:
    """One page of the view's tickets sorted by next due (``sort="due"``) or by creation
    (``newest``/``oldest``); returns (rows, has_more). With a search (``filters["q"]``):
    the view's matching tickets, best match first.

    Two phases keep this fast on a large desk: tickets with a running clock (the partial
    index of running clocks: few rows) ordered by their soonest due instant, then the rest
    newest first (the created index, read only as far as the page needs).
    """
    teams = team_ids(user) if view == "team" else []
    qs = _filtered(access.visible_tickets(user).filter(view_q(view, user, teams, now)), filters)
    start = (max(page, 1) - 1) * PAGE_SIZE
    wanted = PAGE_SIZE + 1
    text = (filters.get("q") or "").strip()
    if text:  # best match first, within the view and its filters (`sladesk.tickets.search`)
        ids = search.ranked_ids(qs, text, public_only=False, limit=wanted, offset=start)
    elif sort in ("newest", "oldest"):
        order = ("-created_at", "-id") if sort == "newest" else ("created_at", "id")
        return _load(
            list(qs.order_by(*order).values_list("pk", flat=True)[start : start + wanted]), now
        )
    elif qs.query.has_filters():
        # a join (not ``IN``), so the planner may start from the few running clocks
        due_first = (
            qs.filter(clocks__state=ClockState.RUNNING)
            .values(key=F("pk"))
            .annotate(next_due=Min("clocks__due_at"))
            .order_by("next_due", "key")
        )
    else:  # every ticket (the default view, polled): the running clocks alone
        due_first = (
            SlaClock.objects.filter(state=ClockState.RUNNING)
            .values(key=F("ticket_id"))
            .annotate(next_due=Min("due_at"))
            .order_by("next_due", "key")
        )
    if not text:
        ids = [row["key"] for row in due_first[start : start + wanted]]
    if not text and len(ids) < wanted:
        # the clock phase ends on this page: it held start + len(ids) tickets, unless this
        # page starts past it (then count it)
        with_clock = start + len(ids) if ids or start == 0 else due_first.count()
        rest = (
            qs.exclude(pk__in=_with_running())
            .order_by("-created_at", "-id")
            .values_list("pk", flat=True)
        )
        offset = max(start - with_clock, 0)
        ids += list(rest[offset : offset + wanted - len(ids)])
    return _load(ids, now)


def _load(ids: list[int], now: datetime) -> tuple[list[InboxRow], bool]:
    """The rows of ``ids`` (in that order; one more than a page means there is more)."""
    more = len(ids) > PAGE_SIZE
    ids = ids[:PAGE_SIZE]
    loaded = (
        Ticket.objects.filter(pk__in=ids)
        .select_related("organization", "assignee", "team")
        .only(*_ROW_FIELDS)
        .prefetch_related("tags", urgent_clocks())
        .in_bulk()
    )
    return [InboxRow(loaded[i], urgent_badge(loaded[i], now)) for i in ids if i in loaded], more


def saved_view_counts(user: Any, queries: list[Mapping[str, str]], now: datetime) -> list[int]:
    """The number of tickets each saved view's query finds (one count query per view)."""
    teams = team_ids(user) if any(q.get("view") == "team" for q in queries) else []
    visible = access.visible_tickets(user)
    counts = []
    for q in queries:
        view = q.get("view", "all") if q.get("view", "all") in VIEWS else "all"
        counts.append(_filtered(visible.filter(view_q(view, user, teams, now)), q).count())
    return counts


def filter_choices(user: Any) -> dict[str, Any]:
    """Options for the filter bar: the organizations the agent may see and their plans."""
    visible = visible_organizations(user)
    orgs = list(visible.only("pk", "name").order_by("name"))
    plans = sorted({o for o in visible.exclude(plan="").values_list("plan", flat=True)})
    return {"organizations": orgs, "plans": plans}


def all_teams() -> list[Team]:
    return list(Team.objects.order_by("name"))
