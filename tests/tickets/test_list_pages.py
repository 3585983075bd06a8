"""`selectors.breaching_page`: the list's compiled ``breaching_before`` pages are the filter's.

The API's agent list filtered by ``breaching_before`` alone is answered from a page query
compiled once (`sladesk.core.compiled`, PostgreSQL) instead of `filter_tickets` and
`ticket_summaries`; these tests hold both equal on both databases.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from support.api import T

pytestmark = pytest.mark.django_db


@pytest.fixture
def tickets(world, frozen_now):
    """Seven Acme tickets of every priority (P1 has two running clocks), one solved."""
    from sladesk.tickets import services

    opened = [
        services.open_ticket(
            organization=world.acme,
            requester=world.acme_contact,
            subject=f"{p} ticket",
            description="d",
            priority=p,
            tags=["bulk"] if p == "P3" else [],
        )
        for p in ("P1", "P2", "P3", "P4", "P1", "P2")
    ]
    services.solve(opened[-1], actor=world.agent)
    return opened


def _expected(bound, after, descending, limit, now):
    from sladesk.tickets import selectors
    from sladesk.tickets.models import Ticket

    qs = selectors.filter_tickets(Ticket.objects.all(), breaching_before=bound)
    if after is not None:
        qs = qs.filter(pk__lt=after) if descending else qs.filter(pk__gt=after)
    qs = qs.order_by("-id" if descending else "id")[:limit]
    return selectors.ticket_summaries(qs, now)


@pytest.mark.parametrize("descending", [True, False])
@pytest.mark.parametrize("limit", [1, 3, 51])
def test_breaching_pages_are_the_filters_pages(world, tickets, frozen_now, descending, limit):
    from sladesk.tickets import selectors

    ids = sorted(t.pk for t in [world.acme_ticket, world.globex_ticket, *tickets])
    for hours in (1, 50, 24 * 30):
        bound = frozen_now.at + timedelta(hours=hours)
        # given an agent's breaching_before filter
        page = selectors.breaching_page(world.agent, {"breaching_before": bound}, frozen_now.at)
        assert page is not None
        for after in (None, ids[2], ids[-1]):
            # when a page is read after a cursor (or from the start)
            got = page(after, descending, limit)
            # then it is the page the general filter gives, summaries and all
            assert got == _expected(bound, after, descending, limit, frozen_now.at)


def test_a_compiled_page_takes_each_calls_bound_and_cursor(world, tickets, frozen_now):
    from sladesk.tickets import selectors

    # given pages for two different bounds and cursors, read through the same kept query
    now = frozen_now.at
    near, far = now + timedelta(hours=1), now + timedelta(days=30)
    first = selectors.breaching_page(world.agent, {"breaching_before": near}, now)
    second = selectors.breaching_page(world.agent, {"breaching_before": far}, now)
    assert first is not None and second is not None
    with CaptureQueriesContext(connection) as queries:
        a = first(10**12, True, 51)
        b = second(10**12, True, 51)
        c = second(tickets[2].pk, True, 51)
    # then each has its own rows (not the first call's), from one statement text
    assert a == _expected(near, 10**12, True, 51, now)
    assert b == _expected(far, 10**12, True, 51, now) and len(b) > len(a)
    assert c == _expected(far, tickets[2].pk, True, 51, now) and len(c) < len(b)
    pages = [
        re.sub(r"'[^']*'|\b\d+\b", "?", q["sql"])
        for q in queries.captured_queries
        if q["sql"].startswith('SELECT "tickets_ticket"')
    ]
    assert len(pages) == 3 and pages[1] == pages[2]  # a cursor, whatever its value
    if connection.vendor == "postgresql":  # the kept plan's (`sladesk.core.compiled`)
        assert selectors._breaching_queries[(True, True, 51)]._plans["default"] is not None


@pytest.mark.parametrize(
    "filters",
    [{"breaching_before": T("2026-12-01T00:00:00Z"), "priority": "P1"}, {"priority": "P1"}],
)
def test_no_compiled_page_for_other_filters_or_for_contacts(world, frozen_now, filters):
    from sladesk.tickets import selectors

    # given a filter with more than breaching_before, or none, and a contact's list
    # when a page source is asked for
    # then there is none: the general filter answers
    assert selectors.breaching_page(world.agent, filters, frozen_now.at) is None
    bound = {"breaching_before": T("2026-12-01T00:00:00Z")}
    assert selectors.breaching_page(world.acme_contact.user, bound, frozen_now.at) is None
