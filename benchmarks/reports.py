"""Reports at scale: the attainment query over a year of all organizations, and replay.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sladesk_reports \\
        flock /work/bench.lock .venv/bin/python benchmarks/reports.py --tickets 100000

**Destroys the database's contents** (``flush``): the database name must contain
``reports`` or ``bench``. Writes ``--tickets`` tickets opened uniformly over the last 365
days in ``--orgs`` organizations spread over the five seed policies, each ticket's clocks
driven in memory through `sladesk.tickets.clocks` exactly as the services drive them
(start at opening, first reply after a log-normal delay, a pending pause on a third of
them, solved after days; breaches at their due instants), with the ``clock`` events the
services log, bulk-inserted. Then measures:

1. ``rebuild``: facts and cells from the clocks (what a restore costs);
2. the attainment page's query (``attainment(year, group_by=organization,priority,metric)``,
   all organizations), 30 runs: p50/p95;
3. the same through ``GET /api/v1/reports/attainment/`` (in-process client), 30 runs;
4. replay of every ticket under another policy (freistilbox → its ``enterprise`` plan
   rules are not needed: every ticket is replayed under ``particle-accelerator``), and
   the replay identity under each ticket's own policy on a 2,000-ticket sample.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sladesk.settings")


def _setup() -> None:
    import django

    django.setup()


def _step(rules, live, log, now, at, fn, metric, *a) -> None:
    """Apply one transition at ``at`` after breaching what is past due, as the desk does."""
    if metric not in live or at > now:
        return
    c, tg = live[metric]
    for c2, _ in live.values():
        if c2.state == "running" and c2.due_at is not None and c2.due_at <= at:
            b = rules.breach_due(c2, at)
            if b:
                log.append((c2.breached_at, b))
    ch = fn(c, tg, at, *a)
    if ch:
        log.append((at, ch))


def _fill(n: int, orgs: int, seed: int) -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command

    from sladesk.accounts.models import Contact, Organization, Team
    from sladesk.core.policies import available_policies
    from sladesk.tickets import clocks as rules
    from sladesk.tickets.models import PolicyVersion, SlaClock, Ticket, TicketEvent

    call_command("flush", interactive=False, verbosity=0)
    rnd = random.Random(seed)
    files = available_policies()
    versions = {
        name: PolicyVersion.objects.create(
            digest=pf.policy.digest, name=name, text=pf.text, source=pf.path.name
        )
        for name, pf in files.items()
    }
    teams = [Team.objects.create(name=f"Team {i}", slug=f"team-{i}") for i in range(4)]
    User.objects.create_user("bench-agent", "a@bench.example", "pw", is_superuser=True)
    names = sorted(files)
    org_rows = []
    for i in range(orgs):
        pname = names[i % len(names)]
        pol = files[pname].policy
        plan = rnd.choice(sorted(pol.plans)) if pol.plans else ""
        region = rnd.choice(sorted(pol.regions)) if pol.regions else ""
        org_rows.append(
            Organization(
                name=f"Org {i}", slug=f"org-{i}", policy_name=pname, plan=plan, region=region
            )
        )
    Organization.objects.bulk_create(org_rows)
    org_rows = list(Organization.objects.order_by("pk"))
    contacts = {
        o.pk: Contact.objects.create(organization=o, email=f"c@{o.slug}.example") for o in org_rows
    }
    now = datetime.now(UTC).replace(microsecond=0)
    t0 = time.perf_counter()
    done = 0
    next_id = 1
    while done < n:
        size = min(20_000, n - done)
        tickets, clocks, events = [], [], []
        for _ in range(size):
            org = org_rows[rnd.randrange(len(org_rows))]
            pol = files[org.policy_name].policy
            prio = rnd.choice([p.key for p in pol.priorities])
            created = now - timedelta(seconds=rnd.randrange(365 * 86400))
            t = Ticket(
                id=next_id,
                subject="bench",
                requester=contacts[org.pk],
                organization=org,
                priority=prio,
                status="closed",
                team=rnd.choice(teams),
                policy_version=versions[org.policy_name],
                policy_name=org.policy_name,
                plan=org.plan,
                region=org.region,
                created_at=created,
                updated_at=created,
            )
            next_id += 1
            tickets.append(t)
            targets = rules.targets_of(t)
            live = {}
            log = []
            for metric, target in targets.items():
                if metric == "next_update" or target.continuous:
                    continue
                ch = rules.new_clock(t, target, created)
                live[metric] = (ch.clock, target)
                log.append((created, ch))

            reply = created + timedelta(seconds=int(rnd.lognormvariate(8.5, 1.2)))
            plan_ = [
                (reply, rules.meet, "first_response", "first public agent reply"),
                (
                    created + timedelta(minutes=rnd.randrange(5, 120)),
                    rules.meet,
                    "dispatch",
                    "assignment",
                ),
            ]
            end = reply + timedelta(seconds=int(rnd.lognormvariate(11.5, 1.0)))
            if rnd.random() < 0.33:
                p_from = reply + timedelta(hours=1)
                p_to = p_from + timedelta(seconds=int(rnd.lognormvariate(10, 1)))
                plan_ += [
                    (p_from, rules.pause, "resolution", "pending"),
                    (p_to, rules.resume, "resolution", "customer replied"),
                ]
                end = max(end, p_to + timedelta(hours=2))
            plan_.append((end, rules.meet, "resolution", "ticket solved"))
            for at_, fn_, metric_, why_ in sorted(
                plan_, key=lambda x: x[0]
            ):  # in time order, as they happen
                _step(rules, live, log, now, at_, fn_, metric_, why_)
            for c, _ in live.values():
                if c.state == "running" and c.due_at is not None and c.due_at <= now:
                    b = rules.breach_due(c, now)
                    if b:
                        log.append((c.breached_at, b))
                clocks.append(c)
            for at, ch in log:
                events.append(
                    TicketEvent(
                        ticket=t, at=at, actor_label="system", kind="clock", data=ch.event_data()
                    )
                )
        Ticket.objects.bulk_create(tickets, batch_size=2000)
        SlaClock.objects.bulk_create(clocks, batch_size=2000)
        TicketEvent.objects.bulk_create(events, batch_size=5000)
        done += size
        print(f"  filled {done} tickets ({time.perf_counter() - t0:.0f} s)", flush=True)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for table in ("tickets_ticket", "tickets_slaclock", "tickets_ticketevent"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            cur.execute("ANALYZE")


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tickets", type=int, default=100_000)
    ap.add_argument("--orgs", type=int, default=200)
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip-fill", action="store_true", help="keep the tickets of the last run")
    ap.add_argument("--skip-replay", action="store_true")
    ap.add_argument("--skip-rebuild", action="store_true", help="keep the facts and cells too")
    args = ap.parse_args()
    _setup()
    from django.conf import settings

    db = settings.DATABASES["default"]
    if "reports" not in str(db["NAME"]) and "bench" not in str(db["NAME"]):
        sys.exit(f"refusing to flush database {db['NAME']!r}: its name needs 'reports' or 'bench'")
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    print(
        f"database {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}, "
        f"{args.tickets} tickets, {args.orgs} organizations"
    )
    if not args.skip_fill:
        t = time.perf_counter()
        _fill(args.tickets, args.orgs, args.seed)
        print(f"fill: {time.perf_counter() - t:.1f} s")
    from sladesk.reports.rollup import rebuild

    if not args.skip_rebuild:
        t = time.perf_counter()
        clocks = rebuild()
        print(f"rebuild: {clocks} clocks in {time.perf_counter() - t:.1f} s")

    from sladesk.reports.attainment import attainment
    from sladesk.reports.models import AttainmentCell

    today = datetime.now(UTC).date()
    print(f"cells: {AttainmentCell.objects.count()}")
    from django.contrib.auth.models import User
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(User.objects.get(username="bench-agent"))
    ranges = {
        "the page's default (12 whole months to today)": (
            (today.replace(day=1) - timedelta(days=334)).replace(day=1),
            today + timedelta(days=1),
        ),
        "rolling 365 days": (today - timedelta(days=365), today + timedelta(days=1)),
    }
    for name, (start, end) in ranges.items():
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            rows = attainment(start, end, ["organization", "priority", "metric"])
            times.append((time.perf_counter() - t) * 1000)
        print(
            f"attainment query, {name} {start}..{end}, all organizations ({len(rows)} rows): "
            f"p50 {_p(times, 0.5):.0f} ms, p95 {_p(times, 0.95):.0f} ms"
        )
        times = []
        params = {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "group_by": "organization,priority,metric",
        }
        for _ in range(args.runs):
            t = time.perf_counter()
            res = client.get("/api/v1/reports/attainment/", params, HTTP_HOST="127.0.0.1")
            times.append((time.perf_counter() - t) * 1000)
            assert res.status_code == 200, res.content[:300]
        print(
            f"GET /api/v1/reports/attainment/ {name}: "
            f"p50 {_p(times, 0.5):.0f} ms, p95 {_p(times, 0.95):.0f} ms"
        )

    if args.skip_replay:
        return 0
    from sladesk.core.policies import get_policy
    from sladesk.reports.replay import replay, replay_clocks
    from sladesk.tickets.models import SlaClock, Ticket, TicketEvent

    now = datetime.now(UTC)
    t = time.perf_counter()
    report = replay(Ticket.objects.all(), get_policy("particle-accelerator").policy, now)
    took = time.perf_counter() - t
    print(
        f"replay of {report.tickets} tickets under particle-accelerator: {took:.1f} s "
        f"({report.tickets / took:.0f} tickets/s), {len(report.flipped)} clocks flip"
    )

    sample = list(Ticket.objects.select_related("policy_version").order_by("?")[:2000])
    bad = 0
    fields = (
        "state",
        "started_at",
        "used",
        "target_work",
        "due_at",
        "met_at",
        "breached_at",
        "cycle",
        "breach_count",
    )
    for ticket in sample:
        got = replay_clocks(
            ticket,
            TicketEvent.objects.filter(ticket=ticket).order_by("at", "id"),
            ticket.policy_version.policy,
            now,
        )
        for c in SlaClock.objects.filter(ticket=ticket):
            if any(getattr(got[c.metric], f) != getattr(c, f) for f in fields):
                bad += 1
    print(f"replay identity on {len(sample)} sampled tickets: {bad} clocks differ")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
