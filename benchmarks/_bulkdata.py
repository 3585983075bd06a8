"""A realistic sladesk database of N tickets, written with PostgreSQL COPY (benchmarks only).

Used by ``api_load.py`` after ``migrate``. Django must be set up on the target database.

What it writes (all times UTC, ``now`` = the instant of the run):

- one `PolicyVersion` per seed policy (the same rows `services.open_ticket` would snapshot);
- ``orgs`` organizations spread over the five seed policies, each with a random plan and
  region of its policy, ``contacts_per_org`` contacts each; three teams; one agent
  (``bench-agent``) whose API token the load generator fetches;
- ``n`` tickets created uniformly over the last ``history_days`` days, each with its first
  message (the description), its ``created`` event and one `SlaClock` per timed target of
  its priority (first_response, resolution, dispatch where the policy has them), the
  due instants computed with the policy's own business calendars (`Calendar.add_many`).

Tickets older than ``active_days`` are closed (every clock met, ~4 % breached). Newer ones
are still being worked: a clock whose natural due instant is still ahead is *running*
(fresh first responses due in hours, resolutions due in days or weeks); one already past
is met (~90 %) or breached; tickets past their first response also get a running
``next_update`` clock restarted by an agent reply in the last two days. So the partial
index of running clocks holds a few percent of the rows and ``breaching_before=now+4h``
selects a small slice, as on a real desk where most tickets are closed.

Foreign keys are checked by construction, not by trigger: the COPY session runs with
``session_replication_role = replica`` (superuser; PostgreSQL skips FK triggers), then
sequences are moved past the written ids and the database is VACUUMed and ANALYZEd: a
desk that has run for two years has been vacuumed by autovacuum (visibility map set, so
index-only scans skip the heap), and autovacuum waking up on a freshly copied table in the
middle of a measured run would be noise.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np

__all__ = ["BenchData", "generate"]

DAY = 86_400
CHUNK = 100_000
METRICS = ("first_response", "resolution", "dispatch")  # started at creation
STATUS_ACTIVE = np.array(["new", "open", "open", "open", "pending", "on_hold"])
CHANNELS = np.array(["email", "email", "email", "web", "web", "api", "chat", "phone"])
SUBJECTS = (
    "Device offline after OTA update",
    "Cannot log in to the console",
    "Webhook deliveries delayed",
    "Cluster c42 returns 502 on deploy",
    "Billing question about the last invoice",
    "Fleet of devices not reporting since the morning",
    "SSL certificate renewal failed",
    "API rate limit reached unexpectedly",
)
BODY = (
    "Hello support,\n\nsince this morning our devices stop reporting after a few minutes. "
    "We restarted the gateway twice; the logs show timeouts towards your cloud. "
    "Could you have a look? This affects production.\n\nThanks, the operations team"
).replace("\n", "\\n")  # COPY text format: a newline inside a value is written as \n


@dataclass
class BenchData:
    """What the load generator needs to address the generated desk."""

    agent_username: str
    agent_password: str
    #: [{"id", "policy", "priorities", "emails"}] for ticket creation
    organizations: list[dict]
    tickets: int
    running_clocks: int
    seconds: float


def _ts(epoch: np.ndarray) -> np.ndarray:
    """Epoch seconds (float) -> PostgreSQL timestamptz text (microseconds, UTC)."""
    us = np.round(epoch * 1e6).astype("int64").astype("datetime64[us]")
    return np.char.add(np.datetime_as_string(us, unit="us"), "+00")


def _nullable(text: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return np.where(mask, text, "\\N")


def _copy(cur, table: str, columns: tuple[str, ...], rows: Iterator[str]) -> None:
    with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for block in rows:
            copy.write(block)


def _lines(*cols: np.ndarray | list[str]) -> str:
    return "".join("\t".join(r) + "\n" for r in zip(*cols, strict=True))


def generate(
    *,
    n: int,
    now: datetime,
    orgs: int = 200,
    contacts_per_org: int = 50,
    history_days: int = 730,
    active_days: int = 36,
    seed: int = 2026,
    log: Callable[[str], None] = print,
) -> BenchData:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from sladesk.accounts.models import AgentProfile, Contact, Organization, Team
    from sladesk.core.policies import available_policies
    from sladesk.tickets.models import PolicyVersion

    t_begin = time.perf_counter()
    rng = np.random.default_rng(seed)
    prng = random.Random(seed)
    now_s = now.timestamp()

    # ------------------------------------------------------------------ accounts (ORM)
    files = available_policies()
    versions = {}
    for name, pf in sorted(files.items()):
        versions[name], _ = PolicyVersion.objects.get_or_create(
            digest=pf.policy.digest,
            defaults={"name": pf.policy.name, "text": pf.text, "source": pf.path.name},
        )
    names = sorted(files)
    org_rows = []
    for i in range(orgs):
        policy = files[names[i % len(names)]].policy
        org_rows.append(
            Organization(
                name=f"Customer {i:04d}",
                slug=f"customer-{i:04d}",
                policy_name=policy.name,
                plan=prng.choice(sorted(policy.plans)) if policy.plans else "",
                region=prng.choice(sorted(policy.regions)) if policy.regions else "",
            )
        )
    org_objs = Organization.objects.bulk_create(org_rows)
    # each customer's alias is an intake route (`sladesk.intake.aliases`: one source of truth)
    from sladesk.intake.models import InboundAddress

    InboundAddress.objects.bulk_create(
        InboundAddress(address=f"customer-{i:04d}@support.example", organization=o)
        for i, o in enumerate(org_objs)
    )
    Contact.objects.bulk_create(
        Contact(organization=o, email=f"person{j:03d}@customer-{i:04d}.example", name=f"Person {j}")
        for i, o in enumerate(org_objs)
        for j in range(contacts_per_org)
    )
    contacts = dict(
        ((org_id, email), cid)
        for cid, org_id, email in Contact.objects.values_list("id", "organization_id", "email")
    )
    by_org: dict[int, list[int]] = {}
    for (org_id, _email), cid in contacts.items():
        by_org.setdefault(org_id, []).append(cid)
    teams = [
        Team.objects.create(name=t, slug=t.lower().replace(" ", "-"))
        for t in ("Product support", "Cloud support", "DevOps")
    ]
    User = get_user_model()
    password = "bench-agent-password"
    agent = User.objects.create_user("bench-agent", "agent@sladesk.example", password)
    profile = AgentProfile.objects.create(user=agent)
    profile.teams.set(teams)
    other_agents = [
        User.objects.create_user(f"agent{i}", f"agent{i}@sladesk.example").pk for i in range(20)
    ]
    AgentProfile.objects.bulk_create(AgentProfile(user_id=u) for u in other_agents)
    agent_ids = np.array([agent.pk, *other_agents])
    team_ids = np.array([t.pk for t in teams])

    # ------------------------------------------------------------------ tickets (numpy)
    org_ids = np.array([o.pk for o in org_objs])
    org_of = rng.integers(0, orgs, n)  # index into org_objs
    created = np.sort(rng.uniform(now_s - history_days * DAY, now_s - 60, n))
    requester = np.array(
        [
            by_org[org_ids[k]][j]
            for k, j in zip(org_of, rng.integers(0, contacts_per_org, n), strict=True)
        ]
    )
    active = created >= now_s - active_days * DAY
    # priorities: the policy's own, the default most often, the most urgent rarely
    priority = np.empty(n, dtype=object)
    org_policy = np.array([o.policy_name for o in org_objs])
    for name in names:
        policy = files[name].policy
        keys = [p.key for p in policy.priorities]
        weights = np.array([1.0 + 3.0 * (k == policy.default_priority) for k in keys])
        weights[0] = 0.3
        sel = org_policy[org_of] == name
        priority[sel] = rng.choice(keys, size=int(sel.sum()), p=weights / weights.sum())
    status = np.where(active, rng.choice(STATUS_ACTIVE, n), "closed")
    solved = np.where(active, np.nan, created + rng.uniform(3600, 14 * DAY, n))
    solved = np.minimum(solved, now_s - 60)
    team = np.where(rng.random(n) < 0.8, rng.choice(team_ids, n).astype(str), "\\N")
    assignee = np.where(
        (status != "new") & (rng.random(n) < 0.9), rng.choice(agent_ids, n).astype(str), "\\N"
    )
    channel = rng.choice(CHANNELS, n)

    # clocks per (organization, priority) group: targets of the policy, batch due instants
    clock_cols: dict[str, list[np.ndarray]] = {
        k: []
        for k in (
            "ticket",
            "metric",
            "state",
            "started",
            "since",
            "used",
            "work",
            "text",
            "calendar",
            "due",
            "warn",
            "met",
            "breached",
            "explanation",
        )
    }
    ids = np.arange(1, n + 1)

    def add_clocks(sel, metric, target, start, state, since, used, due, warn, met, breached):
        k = len(sel)
        if not k:
            return
        c = clock_cols
        c["ticket"].append(ids[sel])
        c["metric"].append(np.full(k, metric, dtype=object))
        c["state"].append(state)
        c["started"].append(start)
        c["since"].append(since)
        c["used"].append(used)
        c["work"].append(np.full(k, target.work.total_seconds()))
        c["text"].append(np.full(k, target.text[:200], dtype=object))
        c["calendar"].append(np.full(k, target.calendar_name, dtype=object))
        c["due"].append(due)
        c["warn"].append(warn)
        c["met"].append(met)
        c["breached"].append(breached)
        c["explanation"].append(np.full(k, target.text, dtype=object))

    group_key = org_of.astype(np.int64) * 64 + np.unique(priority, return_inverse=True)[1]
    for key in np.unique(group_key):
        sel = np.flatnonzero(group_key == key)
        org = org_objs[int(key // 64)]
        policy = files[org.policy_name].policy
        targets = policy.targets(priority[sel[0]], plan=org.plan or None, region=org.region or None)
        fr_due = None
        for metric, target in targets.items():
            if target.continuous or metric == "next_update":
                continue
            start = created[sel]
            work = target.work.total_seconds()
            due = np.asarray(
                target.calendar.add_many(start.astype(np.int64), np.full(len(sel), int(work))),
                dtype=float,
            )
            if metric == "first_response":
                fr_due = due
            is_active = active[sel]
            running = is_active & (due > now_s)
            late = rng.random(len(sel)) < np.where(is_active, 0.10, 0.04)
            done = np.where(is_active, now_s, solved[sel])
            # stopped clocks: met somewhere before the due instant, or breached at it
            met_at = np.minimum(start + (due - start) * rng.uniform(0.05, 0.95, len(sel)), done)
            breached = ~running & late
            state = np.where(running, "running", np.where(breached, "breached", "met"))
            met_at = np.where(
                running | (breached & is_active), np.nan, np.where(breached, done, met_at)
            )
            used = np.where(running, 0.0, np.minimum(work, np.nan_to_num(met_at - start, nan=work)))
            add_clocks(
                sel,
                metric,
                target,
                start,
                state,
                np.where(running, start, np.nan),
                used,
                np.where(running, due, np.nan),
                np.where(running, start + (due - start) * target.warn_at, np.nan),
                met_at,
                np.where(breached, due, np.nan),
            )
        nu = targets.get("next_update")
        if nu is not None and not nu.continuous and fr_due is not None:
            # open tickets past their first response wait for the next agent update
            waiting = active[sel] & (fr_due <= now_s) & np.isin(status[sel], ("open", "on_hold"))
            sub = sel[waiting]
            if len(sub):
                since = now_s - rng.uniform(0, 2 * DAY, len(sub))
                since = np.maximum(since, created[sub])
                work = int(nu.work.total_seconds())
                due = np.asarray(
                    nu.calendar.add_many(since.astype(np.int64), np.full(len(sub), work)),
                    dtype=float,
                )
                running = due > now_s
                add_clocks(
                    sub,
                    "next_update",
                    nu,
                    since,
                    np.where(running, "running", "breached"),
                    np.where(running, since, np.nan),
                    np.zeros(len(sub)),
                    np.where(running, due, np.nan),
                    np.where(running, since + (due - since) * nu.warn_at, np.nan),
                    np.full(len(sub), np.nan),
                    np.where(running, np.nan, due),
                )
    clk = {k: np.concatenate(v) for k, v in clock_cols.items()}
    order = np.lexsort((clk["metric"].astype(str), clk["ticket"]))
    clk = {k: v[order] for k, v in clk.items()}
    running_clocks = int((clk["state"] == "running").sum())
    log(
        f"  generated {n:,} tickets and {len(order):,} clocks in memory "
        f"({running_clocks:,} running) in {time.perf_counter() - t_begin:.1f} s"
    )

    # ------------------------------------------------------------------ COPY
    t0 = time.perf_counter()
    pv_id = {name: v.pk for name, v in versions.items()}
    org_pv = np.array([pv_id[o.policy_name] for o in org_objs]).astype(str)
    org_plan = np.array([o.plan for o in org_objs], dtype=object)
    org_region = np.array([o.region for o in org_objs], dtype=object)
    subjects = np.array(SUBJECTS, dtype=object)
    connection.ensure_connection()
    conn = connection.connection  # the psycopg 3 connection under Django
    with conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")
        cur.execute("SET synchronous_commit = off")

        def ticket_rows() -> Iterator[str]:
            for a in range(0, n, CHUNK):
                s = slice(a, min(n, a + CHUNK))
                o = org_of[s]
                c = _ts(created[s])
                closed = ~active[s]
                done = _ts(np.nan_to_num(solved[s], nan=0.0))
                yield _lines(
                    ids[s].astype(str),
                    subjects[ids[s] % len(subjects)],
                    requester[s].astype(str),
                    org_ids[o].astype(str),
                    priority[s],
                    status[s],
                    team[s],
                    assignee[s],
                    channel[s],
                    ['{"devices_affected": 3}'] * len(o),
                    org_pv[o],
                    org_policy[o],
                    org_plan[o],
                    org_region[o],
                    c,
                    np.where(closed, done, c),  # updated_at: closing time, else creation
                    _nullable(done, closed),
                    _nullable(done, closed),
                )

        ticket_cols = (
            "id", "subject", "requester_id", "organization_id", "priority", "status", "team_id",
            "assignee_id", "channel", "custom_fields", "policy_version_id", "policy_name", "plan",
            "region", "created_at", "updated_at", "solved_at", "closed_at",
        )  # fmt: skip
        _copy(cur, "tickets_ticket", ticket_cols, ticket_rows())
        log(f"  COPY tickets_ticket: {n:,} rows, {time.perf_counter() - t0:.1f} s")

        t1 = time.perf_counter()

        def message_rows() -> Iterator[str]:
            for a in range(0, n, CHUNK):
                s = slice(a, min(n, a + CHUNK))
                k = s.stop - s.start
                html = "<p>" + BODY.replace("\\n\\n", "</p><p>").replace("\\n", "<br>") + "</p>"
                yield _lines(
                    ids[s].astype(str),
                    ids[s].astype(str),
                    requester[s].astype(str),
                    ["t"] * k,
                    ["t"] * k,
                    [BODY] * k,
                    [html] * k,
                    channel[s],
                    _ts(created[s]),
                )

        _copy(
            cur,
            "tickets_message",
            ("id", "ticket_id", "author_contact_id", "from_customer", "public", "body_text",
             "body_html", "channel", "created_at"),
            message_rows(),
        )  # fmt: skip

        def event_rows() -> Iterator[str]:
            for a in range(0, n, CHUNK):
                s = slice(a, min(n, a + CHUNK))
                data = [
                    json.dumps(
                        {"priority": p, "policy": pol, "message_id": int(i), "set_by": "customer"}
                    )
                    for p, pol, i in zip(priority[s], org_policy[org_of[s]], ids[s], strict=True)
                ]
                yield _lines(
                    ids[s].astype(str),
                    ids[s].astype(str),
                    _ts(created[s]),
                    requester[s].astype(str),
                    ["customer"] * len(data),
                    channel[s],
                    ["created"] * len(data),
                    data,
                )

        _copy(
            cur,
            "tickets_ticketevent",
            ("id", "ticket_id", "at", "actor_contact_id", "actor_label", "channel", "kind", "data"),
            event_rows(),
        )
        log(f"  COPY messages + events: {2 * n:,} rows, {time.perf_counter() - t1:.1f} s")

        t2 = time.perf_counter()
        m = len(order)

        def clock_rows() -> Iterator[str]:
            for a in range(0, m, CHUNK):
                s = slice(a, min(m, a + CHUNK))
                k = s.stop - s.start
                due = _ts(np.nan_to_num(clk["due"][s]))
                yield _lines(
                    clk["ticket"][s].astype(str),
                    clk["metric"][s],
                    clk["state"][s],
                    _ts(clk["started"][s]),
                    _nullable(_ts(np.nan_to_num(clk["since"][s])), ~np.isnan(clk["since"][s])),
                    np.char.add(clk["used"][s].round().astype(np.int64).astype(str), " seconds"),
                    np.char.add(clk["work"][s].astype(np.int64).astype(str), " seconds"),
                    clk["text"][s],
                    clk["calendar"][s],
                    _nullable(due, ~np.isnan(clk["due"][s])),
                    _nullable(_ts(np.nan_to_num(clk["warn"][s])), ~np.isnan(clk["warn"][s])),
                    _nullable(_ts(np.nan_to_num(clk["met"][s])), ~np.isnan(clk["met"][s])),
                    _nullable(
                        _ts(np.nan_to_num(clk["breached"][s])), ~np.isnan(clk["breached"][s])
                    ),
                    ["1"] * k,
                    (clk["state"][s] == "breached").astype(int).astype(str),
                    ["1"] * k,
                    ["[]"] * k,
                    [
                        f"{t} → due {d[:16]} UTC"
                        for t, d in zip(clk["explanation"][s], due, strict=True)
                    ],
                )

        _copy(
            cur,
            "tickets_slaclock",
            ("ticket_id", "metric", "state", "started_at", "running_since", "used", "target_work",
             "target_text", "calendar_name", "due_at", "warn_at", "met_at", "breached_at", "cycle",
             "breach_count", "generation", "pauses", "explanation"),
            clock_rows(),
        )  # fmt: skip
        log(f"  COPY tickets_slaclock: {m:,} rows, {time.perf_counter() - t2:.1f} s")
        cur.execute("SET session_replication_role = DEFAULT")
        for table in ("tickets_ticket", "tickets_message", "tickets_ticketevent"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM "
                f"{table}))"
            )
    conn.commit() if not conn.autocommit else None
    t3 = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")  # autocommit: VACUUM cannot run in a transaction
    log(f"  VACUUM (ANALYZE): {time.perf_counter() - t3:.1f} s")

    org_info = []
    for o in org_objs:
        policy = files[o.policy_name].policy
        org_info.append(
            {
                "id": o.pk,
                "policy": o.policy_name,
                "priorities": [p.key for p in policy.priorities],
                "emails": [f"person{j:03d}@{o.slug}.example" for j in range(contacts_per_org)],
            }
        )
    return BenchData(
        agent_username=agent.username,
        agent_password=password,
        organizations=org_info,
        tickets=n,
        running_clocks=running_clocks,
        seconds=time.perf_counter() - t_begin,
    )


def describe(*, log: Callable[[str], None] = print) -> BenchData:
    """The `BenchData` of a database `generate` filled earlier (``api_load.py --reuse-db``).

    Tickets opened by earlier create runs are counted too; the running clocks' due instants
    stay where the generation put them, so ``breaching_before=now+4h`` selects more tickets
    the older the data is (running clocks past due still match).
    """
    from sladesk.accounts.models import Contact, Organization
    from sladesk.core.policies import available_policies
    from sladesk.tickets.models import SlaClock, Ticket

    t_begin = time.perf_counter()
    files = available_policies()
    emails: dict[int, list[str]] = {}
    for org_id, email in Contact.objects.order_by("id").values_list("organization_id", "email"):
        emails.setdefault(org_id, []).append(email)
    org_info = [
        {
            "id": o.pk,
            "policy": o.policy_name,
            "priorities": [p.key for p in files[o.policy_name].policy.priorities],
            "emails": emails.get(o.pk, []),
        }
        for o in Organization.objects.order_by("id")
    ]
    tickets = Ticket.objects.count()
    running = SlaClock.objects.filter(state="running").count()
    log(f"  reused: {tickets:,} tickets, {running:,} running clocks")
    return BenchData(
        agent_username="bench-agent",
        agent_password="bench-agent-password",
        organizations=org_info,
        tickets=tickets,
        running_clocks=running,
        seconds=time.perf_counter() - t_begin,
    )
