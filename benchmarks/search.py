"""Search latency on PostgreSQL (issue 14: p95 < 150 ms at 1,000,000 tickets and 5,000,000
messages): the desk inbox's ranked search and the API's ``?q=`` page, as an agent who sees
everything, an agent scoped to one organization, and a contact.

Run under the benchmark lock, on a private database (created, dropped at exit unless
``--keep-db``; ``--reuse-db`` measures a kept one again)::

    flock /work/bench.lock .venv/bin/python benchmarks/search.py --tickets 100000

The fill: `_bulkdata.generate` (tickets, first messages, clocks; COPY), then ``messages - 1``
more messages per ticket written by SQL (20-40 words each from a 20,000-word vocabulary with a
Zipf-like skew, a fifth of them internal notes), then the search documents built by the real
backfill (`sladesk.tickets.search.reindex`, timed: that is the backfill's throughput). Then
each query runs ``--repeat`` times per caller and the p50/p95/max are printed, with how many
tickets matched (the ranking sorts all of them: its cost grows with the matches, not with
the table).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

#: (label, query): rare to common words, a phrase, a prefix, a ticket number, an org name.
QUERIES = (
    ("rare word", "w17771"),
    ("two mid words", "w900 w1200"),
    ("common word", "w3"),
    ("common + rare", "w3 w15001"),
    ("phrase", '"returns 502"'),
    ("message phrase", '"w5 w7"'),
    ("prefix", "w1234*"),
    ("subject words", "certificate renewal"),
    ("number", "#4242"),
    ("no match", "nothingmatchesthis"),
)


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def fill_messages(per_ticket: int) -> int:
    """Add ``per_ticket - 1`` messages to every ticket (the first exists), in SQL."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT max(id) FROM tickets_ticket")
        top = cur.fetchone()[0] or 0
        step = 20_000
        for start in range(0, top, step):
            cur.execute(
                """
                INSERT INTO tickets_message (ticket_id, from_customer, public, body_text, body_html,
                                             channel, created_at)
                SELECT t.id, mod(k, 2) = 0, mod(k, 5) <> 4,
                       (SELECT string_agg('w' || floor(power(random() + 0 * g, 3) * 20000)::int,
                                          ' ')
                          FROM generate_series(1, 20 + mod(t.id + k, 21)::int) g),
                       '', 'email', t.created_at + k * interval '1 hour'
                FROM tickets_ticket t CROSS JOIN generate_series(1, %s) k
                WHERE t.id > %s AND t.id <= %s
                """,
                [per_ticket - 1, start, start + step],
            )
        cur.execute("ANALYZE tickets_message")
        cur.execute("SELECT count(*) FROM tickets_message")
        return cur.fetchone()[0]


def measure(fn, repeat: int) -> dict:
    times, found = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        found = fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {"p50": statistics.median(times), "p95": p95, "max": times[-1], "found": found}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--messages-per-ticket", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--db-name", default="sladesk_search_bench")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--reuse-db", action="store_true")
    args = parser.parse_args()

    import api_load

    os.environ.update(
        {
            "DATABASE_URL": f"postgres://postgres@{args.pg_host}:{args.pg_port}/{args.db_name}",
            "DJANGO_SETTINGS_MODULE": "sladesk.settings",
            "SLADESK_DEBUG": "0",
            "SLADESK_LOG_LEVEL": "WARNING",
        }
    )
    reuse = args.reuse_db and api_load.database_exists(args.pg_host, args.pg_port, args.db_name)
    if not reuse:
        api_load.create_database(args.pg_host, args.pg_port, args.db_name)
    try:
        return run(args, reuse)
    finally:
        if not (args.keep_db or reuse):
            from django.db import connections

            connections.close_all()
            api_load.drop_database(args.pg_host, args.pg_port, args.db_name)


def run(args: argparse.Namespace, reuse: bool) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    import _bulkdata
    from sladesk.accounts.models import AgentProfile, Organization
    from sladesk.desk import queries
    from sladesk.tickets import access, search
    from sladesk.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    if not reuse:
        t0 = time.perf_counter()
        _bulkdata.generate(n=args.tickets, now=datetime.now(UTC), log=log)
        log(f"tickets: {time.perf_counter() - t0:.0f} s")
        t0 = time.perf_counter()
        messages = fill_messages(args.messages_per_ticket)
        log(f"messages: {messages} in {time.perf_counter() - t0:.0f} s")
        t0 = time.perf_counter()
        for last, done in search.reindex(batch=2000):
            if done % 20_000 == 0:
                log(f"  indexed {done} (last id {last}) {time.perf_counter() - t0:.0f} s")
        took = time.perf_counter() - t0
        log(f"search backfill: {done} tickets in {took:.0f} s ({done / took:.0f} tickets/s)")
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE ticket_search")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), pg_size_pretty(pg_total_relation_size('ticket_search')),"
            " pg_size_pretty(pg_relation_size('ticket_search_document_idx')) FROM ticket_search"
        )
        docs, size, index = cur.fetchone()
        cur.execute("SELECT count(*) FROM tickets_message")
        messages = cur.fetchone()[0]
    print(
        f"PostgreSQL: {Ticket.objects.count()} tickets, {messages} messages; ticket_search"
        f" {docs} rows, {size} with the GIN index of {index}"
    )

    from django.contrib.auth import get_user_model

    User = get_user_model()
    agent = User.objects.get(username="bench-agent")
    scoped, _ = User.objects.get_or_create(username="bench-scoped")
    profile, _ = AgentProfile.objects.get_or_create(user=scoped)
    org = Organization.objects.order_by("pk").first()
    profile.scope_organizations.set([org])
    contact = org.contacts.order_by("pk").first()
    if contact.user_id is None:
        contact.user, _ = User.objects.get_or_create(username=f"bench-contact-{contact.pk}")
        contact.save(update_fields=["user"])
    contact_user = contact.user
    now = datetime.now(UTC)
    failed = 0
    print(
        f"{'query':16} {'caller':8} {'path':6} {'matches':>8}"
        f" {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}"
    )
    for label, text in QUERIES:
        for caller, user in (("agent", agent), ("scoped", scoped), ("contact", contact_user)):
            public = caller == "contact"
            matches = Ticket.objects.filter(search.match_q(text, public_only=public))
            if caller != "agent":
                matches = access.visible_tickets(user).filter(
                    search.match_q(text, public_only=public)
                )
            count = matches.count()
            paths = {
                "api": lambda u=user, p=public, text=text: len(
                    list(
                        access.visible_tickets(u)
                        .filter(search.match_q(text, public_only=p))
                        .order_by("-id")
                        .values_list("pk", flat=True)[:51]
                    )
                )
            }
            if caller != "contact":
                paths["desk"] = lambda u=user, text=text: len(
                    queries.inbox_rows(u, "all", {"q": text}, now)[0]
                )
            for path, fn in paths.items():
                fn()  # warm
                r = measure(fn, args.repeat)
                failed += r["p95"] >= 150
                print(
                    f"{label:16} {caller:8} {path:6} {count:>8}"
                    f" {r['p50']:8.1f} {r['p95']:8.1f} {r['max']:8.1f}",
                    flush=True,
                )
    print(f"p95 >= 150 ms: {failed} of the measured paths")
    return 0


if __name__ == "__main__":
    sys.exit(main())
