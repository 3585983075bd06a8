"""On-call latency with 10,000 active pages (issue 15), on PostgreSQL.

Claims: ticket created → first notification received p99 < 2 s; each later step received
p99 < 2 s after its due instant.

    flock /work/bench.lock .venv/bin/python benchmarks/oncall_latency.py
        # 10,000 active pages
    flock /work/bench.lock .venv/bin/python benchmarks/oncall_latency.py --quick
        # 1,000, 40 measured

End to end, real processes:

1. a fresh database ``sladesk_oncallbench`` on 127.0.0.1:5432 (dropped first and at exit),
   migrated; a loopback HTTP receiver started here answers ``200 ok`` like Slack and
   records the instant each POST arrives, its path (whose rule it is) and the ``#<ticket>``;
2. setup (a child process): agents ``primary``, ``secondary`` and ``background`` with a
   personal Slack rule each (the receiver, one path per person), a weekly schedule with
   ``primary`` on call, the escalation policy ``particle-p1`` (the schedule, wait 1
   minute, then ``secondary``), a Particle organization; then ``--background`` *active*
   pages (triggered, with their snapshot and a pending step timer spread over the next
   two hours: about 1.4 steps a second firing during the run, to ``background``), written
   in bulk as the services would leave them;
3. two ``sladesk worker --no-periodic`` processes;
4. a child process opens ``--measured`` P1 tickets through `open_ticket`, spread over
   ``--window`` seconds, noting each commit instant and its page's ``created_at``;
5. waits for every first (``/primary``) and second (``/secondary``) notification.

Reported: first = arrival − commit instant of ``open_ticket``; later step = arrival −
(``created_at`` + 60 s), p50 / p99 / max, counts and duplicates. No peer is measured
(Grafana OnCall OSS is archived; Opsgenie and PagerDuty are SaaS).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable
SLADESK = str(Path(sys.executable).parent / "sladesk")
DB = "sladesk_oncallbench"
URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
TARGET_P99 = 2.0
STEP_WAIT = 60.0


class Receiver:
    def __init__(self) -> None:
        self.hits: list[tuple[float, str, int]] = []
        lock = threading.Lock()
        hits = self.hits

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                at = time.time()
                found = re.search(r"#(\d+)", body.decode("utf-8", "replace"))
                with lock:
                    hits.append((at, self.path, int(found.group(1)) if found else -1))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _pg(sql: str) -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(sql)


def _drop() -> None:
    _pg(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')


def _django() -> None:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sladesk.settings")
    import django

    django.setup()


def setup(receiver: str, background: int) -> dict:
    """Child process: migrate, the people, schedule, policy, and the background pages."""
    _django()
    from datetime import timedelta

    from django.contrib.auth.models import User
    from django.core.management import call_command

    from sladesk.accounts.models import AgentProfile, Contact, Organization, Team
    from sladesk.core import clock
    from sladesk.notify.models import Page, Timer
    from sladesk.oncall.models import NotificationRule, PageEscalation
    from sladesk.oncall.services.escalation import STEP_TIMER, snapshot
    from sladesk.oncall.services.policies import create_escalation_policy
    from sladesk.oncall.services.schedules import create_schedule
    from sladesk.tickets import services
    from sladesk.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    team = Team.objects.create(name="Support", slug="support")
    for name in ("primary", "secondary", "background"):
        user = User.objects.create_user(name, f"{name}@bench.example", "pw")
        AgentProfile.objects.create(user=user).teams.add(team)
        NotificationRule.objects.create(user=user, channel="slack", address=f"{receiver}/{name}")
    schedule = create_schedule(
        team=team,
        name="primary",
        timezone="Europe/Berlin",
        rotations=[{"participants": ["primary"], "length": "1w", "handoff": "2026-01-05T09:00"}],
    )
    policy = create_escalation_policy(
        name="particle-p1",
        timezone="Europe/Berlin",
        steps=[
            {"kind": "schedule", "schedule": schedule.pk, "wait_minutes": 1},
            {"kind": "user", "user": "secondary", "wait_minutes": 60},
        ],
    )
    org = Organization.objects.create(
        name="Acme", slug="acme", policy_name="particle-enterprise", region="na"
    )
    contact = Contact.objects.create(organization=org, email="ops@acme.example", name="Ops")
    started = time.monotonic()
    template = services.open_ticket(
        organization=org, requester=contact, subject="template", description="x", priority="P3"
    )
    now = clock.now()
    copies = []
    for _ in range(background):
        t = Ticket.objects.get(pk=template.pk)
        t.pk = None
        t.subject = "background page"
        copies.append(t)
    tickets = Ticket.objects.bulk_create(copies, batch_size=2000)
    snap = snapshot(policy)
    snap["steps"] = [
        {
            **snap["steps"][1],
            "user": User.objects.get(username="background").pk,
            "label": "user background",
        }
    ]
    pages = Page.objects.bulk_create(
        [Page(ticket=t, team=team, reason="background", created_at=now) for t in tickets],
        batch_size=2000,
    )
    PageEscalation.objects.bulk_create(
        [
            PageEscalation(
                page=p,
                policy=policy,
                event="created_urgent",
                snapshot=snap,
                created_at=now,
                agenda=[
                    {
                        "at": (now + timedelta(seconds=20 + 7200 * i / background)).isoformat(),
                        "do": "step",
                    }
                ],
            )
            for i, p in enumerate(pages)
        ],
        batch_size=2000,
    )
    Timer.objects.bulk_create(
        [
            Timer(
                ticket=p.ticket,
                page=p,
                kind=STEP_TIMER,
                generation=1,
                created_at=now,
                updated_at=now,
                fire_at=now + timedelta(seconds=20 + 7200 * i / background),
            )
            for i, p in enumerate(pages)
        ],
        batch_size=2000,
    )
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    return {
        "background": len(pages),
        "seconds": round(time.monotonic() - started, 1),
        "org": org.pk,
        "contact": contact.pk,
    }


def measure(count: int, window: float, org: int, contact: int) -> list[dict]:
    """Child process: open ``count`` P1 tickets through the service over ``window`` s."""
    _django()
    from sladesk.accounts.models import Contact, Organization
    from sladesk.notify.models import Page
    from sladesk.tickets import services

    org_row, contact_row = Organization.objects.get(pk=org), Contact.objects.get(pk=contact)
    out = []
    start = time.time() + 1
    for i in range(count):
        time.sleep(max(0.0, start + window * i / count - time.time()))
        ticket = services.open_ticket(
            organization=org_row,
            requester=contact_row,
            subject=f"P1 {i}",
            description="down",
            priority="P1",
        )
        committed = time.time()
        page = Page.objects.get(ticket=ticket)
        out.append(
            {"ticket": ticket.pk, "committed": committed, "created": page.created_at.timestamp()}
        )
    return out


def pct(values: list[float], q: float) -> float:
    """The nearest-rank percentile (the smallest value with ``q`` % at or below it)."""
    import math

    ordered = sorted(values)
    return (
        ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]
        if ordered
        else float("nan")
    )


def child(args: list[str], env: dict[str, str]) -> dict | list:
    done = subprocess.run(
        [PY, __file__, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--background", type=int, default=10_000)
    parser.add_argument("--measured", type=int, default=200)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--child", choices=["setup", "measure"])
    parser.add_argument("--receiver", default="")
    parser.add_argument("--org", type=int, default=0)
    parser.add_argument("--contact", type=int, default=0)
    args = parser.parse_args()
    if args.child == "setup":
        print(json.dumps(setup(args.receiver, args.background)))
        return 0
    if args.child == "measure":
        print(json.dumps(measure(args.measured, args.window, args.org, args.contact)))
        return 0
    if args.quick:
        args.background, args.measured, args.window = 1_000, 40, 20.0
    receiver = Receiver()
    env = {
        **os.environ,
        "DATABASE_URL": URL,
        "DJANGO_SETTINGS_MODULE": "sladesk.settings",
        "SLADESK_CONN_MAX_AGE": "60",
    }
    _drop()
    _pg(f'CREATE DATABASE "{DB}"')
    procs: list[subprocess.Popen] = []
    logdir = Path(tempfile.mkdtemp(prefix="oncallbench-"))
    try:
        made = child(
            ["--child", "setup", "--receiver", receiver.url, "--background", str(args.background)],
            env,
        )
        print(f"setup: {made['background']} active pages in {made['seconds']} s", flush=True)
        for i in range(args.workers):
            log = open(logdir / f"worker{i}.log", "wb")  # noqa: SIM115 (the child owns it)
            procs.append(
                subprocess.Popen(
                    [SLADESK, "worker", "--no-periodic"],
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        time.sleep(3)
        opened = child(
            [
                "--child",
                "measure",
                "--measured",
                str(args.measured),
                "--window",
                str(args.window),
                "--org",
                str(made["org"]),
                "--contact",
                str(made["contact"]),
            ],
            env,
        )
        deadline = time.time() + STEP_WAIT + 60
        wanted = {o["ticket"] for o in opened}
        while time.time() < deadline:
            seconds = {t for _, path, t in receiver.hits if path == "/secondary"}
            if wanted <= seconds:
                break
            time.sleep(0.5)
    finally:
        for p in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            p.wait(timeout=30)
        _drop()
    first_at: dict[int, list[float]] = {}
    second_at: dict[int, list[float]] = {}
    background = 0
    for at, path, ticket in receiver.hits:
        if path == "/primary":
            first_at.setdefault(ticket, []).append(at)
        elif path == "/secondary":
            second_at.setdefault(ticket, []).append(at)
        elif path == "/background":
            background += 1
    first = [min(first_at[o["ticket"]]) - o["committed"] for o in opened if o["ticket"] in first_at]
    second = [
        min(second_at[o["ticket"]]) - (o["created"] + STEP_WAIT)
        for o in opened
        if o["ticket"] in second_at
    ]
    dupes = sum(len(v) - 1 for v in (*first_at.values(), *second_at.values()))
    print(
        f"\non-call latency, PostgreSQL, {args.workers} workers, {args.background:,} active pages, "
        f"{len(opened)} P1s over {args.window:.0f} s "
        f"({background} background steps delivered meanwhile)"
    )
    for name, values in (
        ("created -> first notification", first),
        ("later step: due -> received", second),
    ):
        p99 = pct(values, 99)
        verdict = "PASS" if p99 < TARGET_P99 and len(values) == len(opened) else "FAIL"
        print(
            f"  {name:32s} n={len(values):4d}/{len(opened)}  "
            f"p50 {pct(values, 50):.3f} s  p99 {p99:.3f} s  "
            f"max {max(values, default=float('nan')):.3f} s  "
            f"(p99 / 2 s = {p99 / TARGET_P99:.2f})  {verdict}"
        )
    print(f"  duplicates: {dupes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
