"""The inbox's reads at their edges: recorded breaches, paging across the two phases (tickets
with a running clock by next due, then the rest newest first), and the subject search on
both backends (PostgreSQL answers it from a trigram index)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import connection

from sladesk.desk import queries
from sladesk.tickets import services
from sladesk.tickets.models import SlaClock, Ticket

T = datetime.fromisoformat
pytestmark = pytest.mark.django_db


def _inbox(client, query: str) -> tuple[list[int], dict[str, int], bool]:
    page = client.get(f"/desk/?{query}")
    assert page.status_code == 200
    counts = {key: count for key, _, count in page.context["views"]}
    return [r.ticket.pk for r in page.context["rows"]], counts, page.context["more"]


def test_breached_view_keeps_a_recorded_breach_until_the_clock_is_met(client, ui):
    # given Acme's first response (due Fri 12:30 PST) recorded breached at 12:31
    client.force_login(ui.agent)
    ui.now.set(T("2026-11-27T12:31:00-08:00"))
    services.refresh_clocks(ui.acme_ticket)
    clock = SlaClock.objects.get(ticket=ui.acme_ticket, metric="first_response")
    assert (clock.state, clock.met_at) == ("breached", None)
    # then it is Breached although no running clock is past due any more
    rows, counts, _ = _inbox(client, "view=breached")
    assert rows == [ui.acme_ticket.pk] and counts["breached"] == 1
    # when an agent answers (met late), it leaves the view and the count
    services.reply(ui.acme_ticket, author=ui.agent, body="Looking at the SIM now.")
    rows, counts, _ = _inbox(client, "view=breached")
    assert rows == [] and counts["breached"] == 0


@pytest.mark.parametrize("extra", ["", "&channel=web"], ids=["every-ticket", "filtered"])
def test_pages_run_from_the_running_clocks_into_the_rest(client, ui, monkeypatch, extra):
    # given a third ticket with no running clock (solved) and one row per page
    done = services.open_ticket(
        organization=ui.acme,
        requester=ui.acme_contact,
        subject="Solved already",
        description="x",
        priority="P3",
    )
    services.solve(done, actor=ui.agent)
    assert not SlaClock.objects.filter(ticket=done, state="running").exists()
    monkeypatch.setattr(queries, "PAGE_SIZE", 1)
    client.force_login(ui.agent)
    # then pages 1-2 are the tickets by next due, page 3 the solved one (found past the
    # clock phase: its length is counted), page 4 is empty
    pages = [_inbox(client, f"view=all{extra}&page={n}") for n in (1, 2, 3, 4)]
    assert [(rows, more) for rows, _, more in pages] == [
        ([ui.acme_ticket.pk], True),
        ([ui.bright_ticket.pk], True),
        ([done.pk], False),
        ([], False),
    ]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("SLOW", {"Dashboards slow"}),  # any case
        ("ashboard", set()),  # inside a word: search matches words and prefixes
        ("dashb*", {"Dashboards slow"}),  # a prefix
        ("slow dashboards", {"Dashboards slow"}),  # any order
        ("  cellular  ", {"Cellular reconnects"}),  # trimmed
        ("%25", set()),  # a literal %, not a wildcard
        ("_", set()),
        ("zz", set()),
        ("thermostat", set()),
    ],
)
def test_subject_search(client, ui, q, expected):
    client.force_login(ui.agent)
    rows, _, _ = _inbox(client, f"view=all&q={q}")
    assert {Ticket.objects.get(pk=pk).subject for pk in rows} == expected


def test_search_by_number_also_matches_subjects_with_that_number(client, ui):
    numbered = services.open_ticket(
        organization=ui.acme,
        requester=ui.acme_contact,
        subject=f"Follow-up to {ui.bright_ticket.pk}",
        description="x",
        priority="P3",
    )
    client.force_login(ui.agent)
    rows, _, _ = _inbox(client, f"view=all&q=%23{ui.bright_ticket.pk}")
    assert set(rows) == {ui.bright_ticket.pk, numbered.pk}


def test_postgresql_answers_the_subject_search_from_the_trigram_index(ui):
    if connection.vendor != "postgresql":
        pytest.skip("the trigram index exists on PostgreSQL only (SQLite scans with LIKE)")
    # Django's icontains must still be the indexed expression, UPPER(subject::text) LIKE
    # (on a table this small only with every other access path priced out: a bitmap scan
    # needs an index that takes the LIKE as its condition)
    query = Ticket.objects.filter(subject__icontains="dashboard").order_by().values("pk").query
    sql, params = query.sql_with_params()
    with connection.cursor() as cursor:
        for path in ("seqscan", "indexscan", "indexonlyscan"):
            cursor.execute(f"SET LOCAL enable_{path} = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ticket_subject_trgm_idx" in plan, plan
