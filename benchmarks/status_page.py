"""Benchmark: the public status page under load, and how soon a change shows (issue 18).

    flock /work/bench.lock .venv/bin/python benchmarks/status_page.py [--duration 10]

1. creates a PostgreSQL database (``--db-name``, dropped at exit unless ``--keep-db``),
   migrates it and fills one status page: ``--components`` components in groups with 90
   days of history (an incident every few days, a weekly maintenance window);
2. serves the real app with gunicorn under the product's serving config
   (``sladesk.gunicorn_conf``: gthread, preload, 2 x cores + 1 workers);
3. closed-loop load (``--concurrency`` keep-alive connections, `_loadgen.Connection`)
   on ``GET /status/`` and then ``GET /status/api/v2/summary.json`` for ``--duration``
   seconds each: requests/s, p50/p99 latency, errors; the target is 1,000 requests/s;
4. freshness: with ``summary.json`` still under load, this process opens an incident
   through the service (a commit in another process than the servers') and polls
   ``summary.json`` every 20 ms until it shows; reported in seconds (target: 5 s), for
   ``--changes`` changes (open, then resolve, alternately).

The load generator, gunicorn and PostgreSQL share the machine's cores; the client's own
CPU is reported so its share is visible.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(ROOT / "src"), str(HERE)]

from _loadgen import Connection, HttpError  # noqa: E402
from api_load import (  # noqa: E402
    create_database,
    database_exists,
    drop_database,
    log,
    signals_as_exit,
    start_server,
)
from sladesk import gunicorn_conf  # noqa: E402

TARGET_RPS = 1000.0
TARGET_FRESH_S = 5.0
PATHS = {"page": "/status/", "summary": "/status/api/v2/summary.json"}


def fill(components: int, now: datetime) -> None:
    """One page, ``components`` components, 90 days of incidents and a weekly window."""
    from datetime import time as clock_time

    from sladesk.core.time import travel
    from sladesk.status.models import StatusPage
    from sladesk.status.services import (
        create_component,
        open_incident,
        schedule_maintenance,
    )

    page = StatusPage.objects.create(slug="bench", name="Bench Cloud", is_default=True)
    made = []
    with travel(now - timedelta(days=91)):
        for n in range(components):
            made.append(
                create_component(page, name=f"Service {n + 1}", group=f"Region {n % 3 + 1}")
            )
    for day in range(90, 0, -3):
        start = now - timedelta(days=day, hours=(day * 7) % 24)
        with travel(now - timedelta(days=day - 1)):
            open_incident(
                page,
                name=f"Errors on service {day % components + 1}",
                body="Elevated error rates.",
                impact="minor",
                components={
                    made[day % components].pk: "partial_outage" if day % 2 else "major_outage"
                },
                started_at=start,
                resolved_at=start + timedelta(minutes=20 + day),
            )
    with travel(now - timedelta(days=91)):
        schedule_maintenance(
            page,
            name="Weekly patching",
            components=[made[0].pk],
            frequency="weekly",
            weekdays=[6],
            at_time=clock_time(2),
            duration_minutes=60,
            time_zone="Europe/Berlin",
        )


async def _closed_loop(port: int, path: str, concurrency: int, duration: float) -> dict:
    raw = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    latencies: list[float] = []
    errors = 0
    statuses: dict[int, int] = {}
    stop = time.perf_counter() + duration

    async def client() -> None:
        nonlocal errors
        conn = Connection("127.0.0.1", port)
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            try:
                status, _ = await conn.request(raw)
            except (HttpError, OSError):
                errors += 1
                continue
            latencies.append((time.perf_counter() - t0) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
            if status != 200:
                errors += 1
        conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    return {"latencies": latencies, "errors": errors, "elapsed": elapsed, "statuses": statuses}


def server_cpu(master: int) -> float:
    """CPU seconds (user + system) used so far by gunicorn's master and its workers."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            pid, ppid = int(entry.name), int(fields[1])
            if pid == master or ppid == master:
                total += (int(fields[11]) + int(fields[12])) / tick
    return total


def measure(port: int, path: str, concurrency: int, duration: float, master: int = 0) -> dict:
    cpu0 = time.process_time()
    server0 = server_cpu(master) if master else 0.0
    res = asyncio.run(_closed_loop(port, path, concurrency, duration))
    server_s = server_cpu(master) - server0 if master else float("nan")
    lat = sorted(res["latencies"])
    done = len(lat)
    return {
        "path": path,
        "requests": done,
        "rps": done / res["elapsed"],
        "p50_ms": lat[done // 2] if lat else float("nan"),
        "p99_ms": lat[min(done - 1, int(done * 0.99))] if lat else float("nan"),
        "errors": res["errors"],
        "statuses": res["statuses"],
        "client_cpu_s": time.process_time() - cpu0,
        "server_cpu_us": 1e6 * server_s / max(1, done),
    }


def _indicator(port: int) -> str:
    url = f"http://127.0.0.1:{port}{PATHS['summary']}"
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(json.loads(response.read())["status"]["indicator"])


def freshness(port: int, changes: int) -> list[float]:
    """Seconds from each committed change to the first summary.json that shows it."""
    from sladesk.status.models import Component, Incident, StatusPage
    from sladesk.status.services import open_incident, post_update

    page = StatusPage.objects.get(slug="bench")
    component = Component.objects.filter(page=page).order_by("id").last()
    delays = []
    incident: Incident | None = None
    for n in range(changes):
        if incident is None:
            incident = open_incident(
                page,
                name=f"Freshness probe {n}",
                body="probe",
                impact="critical",
                components={component.pk: "major_outage"},
            )
            wanted = "critical"
        else:
            post_update(incident, status="resolved", body="done")
            incident, wanted = None, "none"
        t0 = time.perf_counter()
        while _indicator(port) != wanted:
            if time.perf_counter() - t0 > 30:
                raise RuntimeError(f"change {n} not visible after 30 s")
            time.sleep(0.02)
        delays.append(time.perf_counter() - t0)
        time.sleep(0.3)
    return delays


def report(runs: list[dict], delays: list[float], args: argparse.Namespace) -> None:
    print()
    print(
        f"status page on gunicorn {args.workers} x {args.threads} (sladesk.gunicorn_conf), "
        f"{os.cpu_count()} cores shared with the client and PostgreSQL; "
        f"{args.concurrency} keep-alive connections, {args.duration:g} s per run"
    )
    cores = os.cpu_count() or 1
    print(
        f"{'endpoint':32} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
        f"{'server CPU/req':>14} "
        f"{'capacity':>9}  vs target"
    )
    for r in runs:
        ratio = r["rps"] / TARGET_RPS
        capacity = cores * 1e6 / r["server_cpu_us"] if r["server_cpu_us"] > 0 else float("nan")
        print(
            f"{r['path']:32} {r['rps']:7,.0f} {r['p50_ms']:7.1f} {r['p99_ms']:7.1f} "
            f"{r['errors']:6d} {r['server_cpu_us']:11.0f} us {capacity:9,.0f}  "
            f"{ratio:.2f}x of {TARGET_RPS:,.0f}/s measured"
        )
    print(
        "capacity = cores / server CPU per request: the rate the server's own CPU allows "
        "when nothing else runs on the machine"
    )
    if delays:
        print(
            f"change visible on summary.json after: median {statistics.median(delays):.2f} s, "
            f"max {max(delays):.2f} s over {len(delays)} changes (target {TARGET_FRESH_S:g} s; "
            f"{max(delays) / TARGET_FRESH_S:.2f}x of it at worst)"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--components", type=int, default=12)
    parser.add_argument("--changes", type=int, default=6)
    parser.add_argument("--workers", type=int, default=gunicorn_conf.workers)
    parser.add_argument("--threads", type=int, default=gunicorn_conf.threads)
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-port", type=int, default=5432)
    parser.add_argument("--db-name", default="sladesk_status_bench")
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args(argv)

    url = f"postgres://postgres@{args.pg_host}:{args.pg_port}/{args.db_name}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "sladesk.settings",
        "SLADESK_DEBUG": "0",
        "SLADESK_LOG_LEVEL": "WARNING",
        "SLADESK_CONN_MAX_AGE": "600",
        "PYTHONPATH": str(ROOT / "src"),
    }
    os.environ.update(
        {k: env[k] for k in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SLADESK_DEBUG")}
    )
    with contextlib.ExitStack() as stack, signals_as_exit():
        workdir = Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="sladesk-status-bench-"))
        )
        if database_exists(args.pg_host, args.pg_port, args.db_name):
            drop_database(args.pg_host, args.pg_port, args.db_name)
        create_database(args.pg_host, args.pg_port, args.db_name)
        if not args.keep_db:
            stack.callback(drop_database, args.pg_host, args.pg_port, args.db_name)
        import django
        from django.core.management import call_command
        from django.db import connections

        django.setup()
        t0 = time.perf_counter()
        call_command("migrate", verbosity=0)
        fill(args.components, datetime.now(UTC))
        connections.close_all()
        log(f"database {args.db_name}: migrated and filled in {time.perf_counter() - t0:.1f} s")

        logfile = workdir / "gunicorn.log"
        server = start_server(env, args.workers, args.threads, logfile)
        stack.callback(server.stop)
        for _ in range(200):
            with contextlib.suppress(OSError):
                _indicator(server.port)
                break
            time.sleep(0.1)
        measure(server.port, PATHS["page"], 4, 1.0)  # warm every worker's cache
        log(
            f"  machine load average before the runs: {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} cores"
        )
        runs = []
        for name in ("page", "summary"):
            run = measure(
                server.port, PATHS[name], args.concurrency, args.duration, server.proc.pid
            )
            log(
                f"  {name}: {run['rps']:,.0f} req/s, p99 {run['p99_ms']:.1f} ms, "
                f"errors {run['errors']}"
            )
            runs.append(run)
        # the freshness probe runs while summary.json is under load
        loaded = threading.Thread(
            target=measure,
            args=(server.port, PATHS["summary"], args.concurrency, 4.0 + args.changes * 1.5),
            daemon=True,
        )
        loaded.start()
        time.sleep(0.5)
        delays = freshness(server.port, args.changes)
        loaded.join()
        report(runs, delays, args)
        ok = (
            all(r["rps"] >= TARGET_RPS and r["errors"] == 0 for r in runs)
            and max(delays) <= TARGET_FRESH_S
        )
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
