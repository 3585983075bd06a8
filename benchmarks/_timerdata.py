"""Open SLA clocks with pending timers, for ``timer_latency.py`` (benchmarks only).

Run as a subprocess with ``DATABASE_URL`` set (PostgreSQL or SQLite)::

    DATABASE_URL=... python benchmarks/_timerdata.py --clocks N --hot 2000 --webhook URL

It migrates the database, then writes (all times UTC, ``now`` = the instant of the run):

- one `PolicyVersion` of a seed policy, one organization on it, one contact, one team whose
  ``slack_webhook_url`` is ``--webhook`` (the loopback receiver);
- ``--clocks`` open tickets (status ``open``, no assignee, on that team), each with one
  running ``resolution`` clock of the policy's default priority and its two pending timers
  (``warning`` at ``warn_at``, ``breach`` at ``due_at``), all 30-400 days ahead: the
  million index entries a desk with a million open clocks carries;
- the ``--hot`` tickets (evenly spread over the ids) get no warning timer; their breach
  timers are moved into the measured window later by `arm` (`timer_latency.py`).

PostgreSQL: COPY (`_bulkdata` helpers), foreign keys checked by construction
(``session_replication_role = replica``), sequences moved past the ids, VACUUM (ANALYZE).
SQLite: ``executemany`` in one transaction, then ANALYZE.
Prints one JSON line: ``{"hot": [ticket ids], "seconds": ...}``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT / "src"), str(HERE)]

DAY = 86_400
CHUNK = 100_000


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def hot_ids(n: int, hot: int) -> np.ndarray:
    """``hot`` ticket ids spread evenly over 1..n."""
    return np.unique(np.linspace(1, n, hot).round().astype(np.int64))


def _pg_ts(epoch: np.ndarray) -> np.ndarray:
    from _bulkdata import _ts

    return _ts(epoch)


def _lite_ts(epoch: np.ndarray) -> np.ndarray:
    """Epoch seconds -> the text Django's SQLite backend stores (naive UTC, microseconds)."""
    us = np.round(epoch * 1e6).astype("int64").astype("datetime64[us]")
    return np.char.replace(np.datetime_as_string(us, unit="us"), "T", " ")


def generate(n: int, hot: int, webhook: str, seed: int = 4) -> dict:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sladesk.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    t_begin = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"  migrate: {time.perf_counter() - t_begin:.1f} s")

    from sladesk.accounts.models import Contact, Organization, Team
    from sladesk.core.policies import available_policies
    from sladesk.tickets.models import PolicyVersion

    files = available_policies()
    # a policy whose default priority has a resolution target that does not page on breach
    chosen = None
    for name in sorted(files):
        policy = files[name].policy
        targets = policy.targets(policy.default_priority)
        target = targets.get("resolution")
        if target is not None and not target.continuous and not target.page_on_breach:
            chosen = (files[name], policy, target)
            break
    if chosen is None:
        raise SystemExit("no seed policy with a plain resolution target")
    pf, policy, target = chosen
    version, _ = PolicyVersion.objects.get_or_create(
        digest=policy.digest,
        defaults={"name": policy.name, "text": pf.text, "source": pf.path.name},
    )
    org = Organization.objects.create(
        name="Timer bench customer", slug="timer-bench", policy_name=policy.name
    )
    contact = Contact.objects.create(
        organization=org, email="person@timer-bench.example", name="Person"
    )
    team = Team.objects.create(name="Timer bench", slug="timer-bench", slack_webhook_url=webhook)

    rng = np.random.default_rng(seed)
    now_s = time.time()
    ids = np.arange(1, n + 1)
    created = now_s - rng.uniform(60, 2 * DAY, n)
    due = now_s + rng.uniform(30 * DAY, 400 * DAY, n)
    warn = created + (due - created) * target.warn_at
    is_hot = np.zeros(n + 1, dtype=bool)
    hot_list = hot_ids(n, hot)
    is_hot[hot_list] = True
    is_hot = is_hot[1:]
    work = int(target.work.total_seconds())
    pg = connection.vendor == "postgresql"
    ts = _pg_ts if pg else _lite_ts
    null = "\\N" if pg else None

    def tickets(s: slice) -> list:
        k = s.stop - s.start
        c = ts(created[s])
        return list(
            zip(
                ids[s].astype(str), [f"Timer bench ticket {i}" for i in ids[s]],
                [str(contact.pk)] * k, [str(org.pk)] * k, [policy.default_priority] * k,
                ["open"] * k, [str(team.pk)] * k, [null] * k, ["web"] * k, ["{}"] * k,
                [str(version.pk)] * k, [policy.name] * k, [""] * k, [""] * k, c, c,
                [null] * k, [null] * k,
                strict=True,
            )
        )  # fmt: skip

    def clocks(s: slice) -> list:
        k = s.stop - s.start
        c = ts(created[s])
        d = ts(due[s])
        w = (
            np.where(is_hot[s], null, ts(warn[s]))
            if pg
            else [None if h else x for h, x in zip(is_hot[s], ts(warn[s]), strict=True)]
        )
        zero, work_v = ("0 seconds", f"{work} seconds") if pg else ("0", str(work * 1_000_000))
        return list(
            zip(
                ids[s].astype(str), ids[s].astype(str), ["resolution"] * k, ["running"] * k, c, c,
                [zero] * k, [work_v] * k, [target.text[:200]] * k, [target.calendar_name] * k,
                d, w, [null] * k, [null] * k, ["1"] * k, ["0"] * k, ["1"] * k, ["[]"] * k,
                [f"{target.text} → due {x[:16]} UTC" for x in d],
                strict=True,
            )
        )  # fmt: skip

    def timers(s: slice) -> list:
        # breach id 2i-1, warning id 2i (hot tickets: no warning row)
        d = ts(due[s])
        w = ts(warn[s])
        c = ts(np.full(s.stop - s.start, now_s))
        false = "f" if pg else "0"
        rows = []
        for j, i in enumerate(ids[s]):
            common = [str(i), str(i), null, "1", "1", "pending", false, null, c[j], c[j]]
            rows.append((str(2 * i - 1), "breach", d[j], *common))
            if not is_hot[s][j]:
                rows.append((str(2 * i), "warning", w[j], *common))
        return rows

    ticket_cols = (
        "id", "subject", "requester_id", "organization_id", "priority", "status", "team_id",
        "assignee_id", "channel", "custom_fields", "policy_version_id", "policy_name", "plan",
        "region", "created_at", "updated_at", "solved_at", "closed_at",
    )  # fmt: skip
    clock_cols = (
        "id", "ticket_id", "metric", "state", "started_at", "running_since", "used",
        "target_work", "target_text", "calendar_name", "due_at", "warn_at", "met_at",
        "breached_at", "cycle", "breach_count", "generation", "pauses", "explanation",
    )  # fmt: skip
    timer_cols = (
        "id", "kind", "fire_at", "ticket_id", "clock_id", "page_id", "generation", "cycle",
        "state", "late", "fired_at", "created_at", "updated_at",
    )  # fmt: skip
    plan = (
        ("tickets_ticket", ticket_cols, tickets),
        ("tickets_slaclock", clock_cols, clocks),
        ("notify_timer", timer_cols, timers),
    )

    def chunks(make) -> Iterator[list]:
        for a in range(0, n, CHUNK):
            yield make(slice(a, min(n, a + CHUNK)))

    if pg:
        from _bulkdata import _copy

        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SET session_replication_role = replica")
            raw = cur.cursor  # psycopg cursor (COPY)
            for table, cols, make in plan:
                t0 = time.perf_counter()
                _copy(
                    raw,
                    table,
                    cols,
                    ("".join("\t".join(r) + "\n" for r in rows) for rows in chunks(make)),
                )
                log(f"  COPY {table}: {time.perf_counter() - t0:.1f} s")
            cur.execute("SET session_replication_role = DEFAULT")
            for table in ("tickets_ticket", "tickets_slaclock", "notify_timer"):
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
        t0 = time.perf_counter()
        connection.ensure_connection()
        connection.connection.autocommit = True
        with connection.cursor() as cur:
            cur.execute("VACUUM (ANALYZE)")
        log(f"  VACUUM (ANALYZE): {time.perf_counter() - t0:.1f} s")
    else:
        with transaction.atomic(), connection.cursor() as cur:
            for table, cols, make in plan:
                t0 = time.perf_counter()
                sql = (
                    f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
                )
                for rows in chunks(make):
                    cur.cursor.executemany(sql, rows)  # sqlite3 cursor: ? placeholders
                log(f"  INSERT {table}: {time.perf_counter() - t0:.1f} s")
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    return {"hot": hot_list.tolist(), "seconds": time.perf_counter() - t_begin}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clocks", type=int, required=True)
    parser.add_argument("--hot", type=int, default=2000)
    parser.add_argument("--webhook", required=True)
    args = parser.parse_args()
    print(json.dumps(generate(args.clocks, args.hot, args.webhook)), flush=True)


if __name__ == "__main__":
    main()
