"""Timer latency: from a breach's ``fire_at`` to the Slack webhook arriving (issue 4).

    .venv/bin/python benchmarks/timer_latency.py           # PG 1,000,000 clocks + SQLite 100,000
    .venv/bin/python benchmarks/timer_latency.py --quick   # PG 50,000 + SQLite 20,000,
                                                           # 667 timers in 20 s
    .venv/bin/python benchmarks/timer_latency.py --backends sqlite --sqlite-clocks 100000
    .venv/bin/python benchmarks/timer_latency.py --quick --answer-ms 200  # Slack-like latency

For each backend, end to end:

1. a fresh database (PostgreSQL: ``sladesk_timerbench`` on 127.0.0.1:5432, dropped first
   and again at exit; SQLite: a file in a temporary directory), migrated and filled by
   `_timerdata.py` in a subprocess: N open tickets, each with a running ``resolution``
   clock and its pending ``warning`` and ``breach`` timers 30-400 days ahead (2N - hot
   timer rows in the partial ``fire_at`` index), on a team whose ``slack_webhook_url`` is
   a loopback HTTP receiver started here (answers ``200 ok`` like Slack, records the
   instant each POST arrives and the ``#<ticket>`` of its text);
2. ``--workers`` ``sladesk worker --no-periodic`` processes (PostgreSQL 2, SQLite 1: the
   issue's one-worker SQLite set-up);
3. once they run, ``--hot`` tickets' clocks and breach timers are re-targeted (one
   transaction, like a policy change would) to ``fire_at`` instants spread uniformly over
   the next ``--window`` seconds (starting 2 s ahead);
4. waits until every one of them has arrived (or ``--window`` + 60 s), stops the workers.

Reported per backend: delay = receive instant - ``fire_at`` (same host clock: the
database's ``now()`` is the workers' clock, and PostgreSQL runs on this machine), p50 /
p99 / max, how many arrived, duplicates (a ticket posted more than once; must be 0),
timers marked ``late``, and the firing part alone (``fired_at - fire_at`` from the
database). Peer cadences (Zendesk SLA automations hourly; Zammad / Znuny escalation
checks every 5 minutes) are **quoted from issue 4, not measured**.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
PY = sys.executable
SLADESK = str(Path(sys.executable).parent / "sladesk")
PG_HOST, PG_PORT = "127.0.0.1", 5432

TARGET_P99, TARGET_MAX = 2.0, 5.0  # seconds, issue 4
PEERS = (
    ("Zendesk SLA automations", "hourly (<= 3,600 s late), at most 1,000 tickets an hour"),
    ("Zammad / Znuny escalation checks", "every 5 minutes (<= 300 s late)"),
)
TICKET_RE = re.compile(r"#(\d+) breached")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def cpu_times() -> tuple[float, float]:
    with open("/proc/stat", encoding="ascii") as fh:
        parts = [float(x) for x in fh.readline().split()[1:]]
    idle = parts[3] + parts[4]
    return sum(parts) - idle, sum(parts)


def busy_since(start: tuple[float, float]) -> float:
    b, t = cpu_times()
    return 100.0 * (b - start[0]) / max(1.0, t - start[1])


def process_cpu(pids: list[int]) -> float:
    """CPU seconds (user + system) the processes ``pids`` have used so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError), open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


# ------------------------------------------------------------------------ receiver
class Receiver:
    """A Slack-like webhook on 127.0.0.1: ``200 ok`` after ``answer_s`` seconds (a real
    Slack answers in ~0.1-0.3 s), records (ticket, receive instant)."""

    def __init__(self, answer_s: float = 0.0) -> None:
        self.hits: list[tuple[int, float]] = []
        self.unmatched = 0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                at = time.time()
                try:
                    m = TICKET_RE.search(json.loads(body).get("text", ""))
                except ValueError:
                    m = None
                with receiver._lock:
                    if m:
                        receiver.hits.append((int(m.group(1)), at))
                    else:
                        receiver.unmatched += 1
                if answer_s:
                    time.sleep(answer_s)
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self) -> None:
        with self._lock:
            self.hits, self.unmatched = [], 0

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# ------------------------------------------------------------------------ databases
def pg_admin():
    import psycopg

    return psycopg.connect(host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres",
                           autocommit=True)  # fmt: skip


def pg_drop(name: str) -> None:
    with pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Backend:
    name: str
    url: str
    clocks: int
    workers: int
    cleanup: list = field(default_factory=list)

    @property
    def pg(self) -> bool:
        return self.url.startswith("postgres")

    def connect(self):
        if self.pg:
            import psycopg

            return psycopg.connect(self.url, autocommit=False)
        return sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=20)

    def arm(self, tickets: list[int], fire_at: np.ndarray) -> None:
        """Move the hot clocks' due instants and breach timers to ``fire_at`` (epoch s)."""
        when = [datetime.fromtimestamp(x, UTC) for x in fire_at]
        conn = self.connect()
        try:
            if self.pg:
                with conn.cursor() as cur:
                    args = (tickets, when)
                    cur.execute(
                        "UPDATE tickets_slaclock c SET due_at = h.at FROM "
                        "unnest(%s::bigint[], %s::timestamptz[]) AS h(id, at) WHERE c.id = h.id",
                        args,
                    )
                    cur.execute(
                        "UPDATE notify_timer t SET fire_at = h.at FROM "
                        "unnest(%s::bigint[], %s::timestamptz[]) AS h(id, at) "
                        "WHERE t.clock_id = h.id AND t.kind = 'breach'",
                        args,
                    )
            else:
                text = [w.strftime("%Y-%m-%d %H:%M:%S.%f") for w in when]
                rows = list(zip(text, tickets, strict=True))
                conn.execute("BEGIN IMMEDIATE")
                conn.executemany("UPDATE tickets_slaclock SET due_at = ? WHERE id = ?", rows)
                conn.executemany(
                    "UPDATE notify_timer SET fire_at = ? WHERE clock_id = ? AND kind = 'breach'",
                    rows,
                )
            conn.commit()
        finally:
            conn.close()

    def fired(self, tickets: list[int]) -> dict:
        """Firing delays (fired_at - fire_at) of the hot breach timers, and outbox states."""
        conn = self.connect()
        try:
            cur = conn.cursor()
            if self.pg:
                cur.execute(
                    "SELECT extract(epoch FROM fired_at - fire_at), late, state FROM notify_timer "
                    "WHERE kind = 'breach' AND clock_id = ANY(%s)",
                    (tickets,),
                )
                rows = cur.fetchall()
            else:
                cur.execute(
                    "SELECT (julianday(fired_at) - julianday(fire_at)) * 86400.0, late, state "
                    "FROM notify_timer WHERE kind = 'breach' AND clock_id IN "
                    "(SELECT value FROM json_each(?))",
                    (json.dumps(tickets),),
                )
                rows = cur.fetchall()
            cur.execute("SELECT state, count(*) FROM notify_outboxmessage GROUP BY state")
            outbox = dict(cur.fetchall())
            return {
                "delays": [float(r[0]) for r in rows if r[0] is not None],
                "late": sum(bool(r[1]) for r in rows),
                "pending": sum(r[2] == "pending" for r in rows),
                "outbox": outbox,
            }
        finally:
            conn.close()


def make_backend(name: str, args, tmp: Path) -> Backend:
    if name == "postgresql":
        db = args.db_name
        pg_drop(db)
        with pg_admin() as conn:
            conn.execute(f'CREATE DATABASE "{db}"')
        b = Backend(name, f"postgres://postgres@{PG_HOST}:{PG_PORT}/{db}", args.pg_clocks,
                    args.pg_workers)  # fmt: skip
        b.cleanup.append(lambda: pg_drop(db))
        return b
    path = tmp / "timerbench.sqlite3"
    return Backend(name, f"sqlite:///{path}", args.sqlite_clocks, 1)


# ------------------------------------------------------------------------ workers
def start_workers(b: Backend, env: dict[str, str], logdir: Path) -> list[subprocess.Popen]:
    procs = []
    for i in range(b.workers):
        out = open(logdir / f"{b.name}-worker{i}.log", "wb")  # noqa: SIM115 (child owns it)
        procs.append(
            subprocess.Popen(
                [SLADESK, "worker", "--no-periodic"],
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    deadline = time.monotonic() + 60
    for i, p in enumerate(procs):
        path = logdir / f"{b.name}-worker{i}.log"
        while b"running" not in path.read_bytes():
            if p.poll() is not None:
                raise RuntimeError(f"worker exited ({p.returncode}): {path.read_text()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start: {path}")
            time.sleep(0.1)
    return procs


def stop_workers(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(p.pid, signal.SIGKILL)
            p.wait()


# ------------------------------------------------------------------------ one run
@dataclass
class Result:
    backend: str
    clocks: int
    workers: int
    hot: int
    received: int = 0
    duplicates: int = 0
    unmatched: int = 0
    delays: list[float] = field(default_factory=list)
    fire_delays: list[float] = field(default_factory=list)
    late: int = 0
    still_pending: int = 0
    outbox: dict = field(default_factory=dict)
    setup_s: float = 0.0
    wait_s: float = 0.0
    busy: float = 0.0
    worker_cpu_s: float = 0.0


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def run_backend(b: Backend, args, receiver: Receiver, logdir: Path) -> Result:
    env = {
        **os.environ,
        "DATABASE_URL": b.url,
        "DJANGO_SETTINGS_MODULE": "sladesk.settings",
        "DJANGO_DEBUG": "0",
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }
    t0 = time.perf_counter()
    log(f"[{b.name}] migrate + {b.clocks:,} open clocks ...")
    webhook = f"http://127.0.0.1:{receiver.port}/services/T0/B0/timerbench"
    gen = subprocess.run(
        [PY, str(HERE / "_timerdata.py"), "--clocks", str(b.clocks), "--hot", str(args.hot),
         "--webhook", webhook],
        env=env, cwd=ROOT, stdout=subprocess.PIPE, check=True,
    )  # fmt: skip
    hot = json.loads(gen.stdout.decode().strip().splitlines()[-1])["hot"]
    res = Result(b.name, b.clocks, b.workers, len(hot), setup_s=time.perf_counter() - t0)
    log(f"[{b.name}] data ready in {res.setup_s:.0f} s; starting {b.workers} worker(s)")
    receiver.reset()
    procs = start_workers(b, env, logdir)
    try:
        time.sleep(1.0)  # first passes done, loops asleep
        rng = np.random.default_rng(7)
        start = time.time() + 2.0
        fire_at = start + np.sort(rng.uniform(0, args.window, len(hot)))
        order = rng.permutation(len(hot))  # which ticket fires when: not in id order
        tickets = [hot[i] for i in order]
        due = dict(zip(tickets, fire_at.tolist(), strict=True))
        cpu0 = cpu_times()
        worker_cpu0 = process_cpu([p.pid for p in procs])
        b.arm(tickets, fire_at)
        log(f"[{b.name}] armed {len(hot):,} breaches over {args.window:.0f} s")
        deadline = start + args.window + args.timeout
        while time.time() < deadline:
            with receiver._lock:
                got = {t for t, _ in receiver.hits}
            if len(got) >= len(hot):
                break
            time.sleep(0.25)
        time.sleep(1.0)  # late duplicates, if any
        res.wait_s = time.time() - start
        res.busy = busy_since(cpu0)
        res.worker_cpu_s = process_cpu([p.pid for p in procs]) - worker_cpu0
    finally:
        stop_workers(procs)
    with receiver._lock:
        hits, res.unmatched = list(receiver.hits), receiver.unmatched
    first: dict[int, float] = {}
    for t, at in hits:
        if t in first:
            res.duplicates += 1
        else:
            first[t] = at
    res.received = sum(1 for t in first if t in due)
    res.delays = [first[t] - due[t] for t in first if t in due]
    info = b.fired(tickets)
    res.fire_delays, res.late, res.still_pending = info["delays"], info["late"], info["pending"]
    res.outbox = info["outbox"]
    return res


# ------------------------------------------------------------------------ report
def report(results: list[Result], args, total_s: float, busy_before: float) -> str:
    lines = [
        f"{args.hot:,} breach timers due uniformly over {args.window:.0f} s; delay = Slack "
        "webhook received at a loopback receiver - fire_at"
        + (f"; the receiver answers after {args.answer_ms:.0f} ms" if args.answer_ms else ""),
        f"machine CPU busy before the runs (other work): {busy_before:.0f}%; cpu% = whole "
        "machine during the measured window",
        "",
        f"{'backend':<11} {'open clocks':>11} {'workers':>7} {'received':>11} {'dup':>4} "
        f"{'p50 s':>6} {'p99 s':>6} {'max s':>6} {'fire p50':>8} {'fire p99':>8} "
        f"{'late':>4} {'cpu%':>4} {'setup s':>7}",
        "-" * 107,
    ]
    for r in results:
        lines.append(
            f"{r.backend:<11} {r.clocks:>11,} {r.workers:>7} {f'{r.received}/{r.hot}':>11} "
            f"{r.duplicates:>4} {pct(r.delays, 50):>6.2f} {pct(r.delays, 99):>6.2f} "
            f"{max(r.delays, default=float('nan')):>6.2f} {pct(r.fire_delays, 50):>8.2f} "
            f"{pct(r.fire_delays, 99):>8.2f} {r.late:>4} {r.busy:>4.0f} {r.setup_s:>7.0f}"
        )
    lines.append("")
    lines.append("'fire p50/p99': fired_at - fire_at in the database (the timer part alone)")
    for r in results:
        extra = []
        if r.unmatched:
            extra.append(f"{r.unmatched} POSTs without a ticket reference")
        if r.still_pending:
            extra.append(f"{r.still_pending} breach timers still pending")
        outbox = ", ".join(f"{k} {v}" for k, v in sorted(r.outbox.items()))
        per = 1000 * r.worker_cpu_s / max(1, r.received)
        lines.append(f"  {r.backend}: outbox rows {outbox or 'none'}; waited {r.wait_s:.0f} s; "
                     f"worker CPU {r.worker_cpu_s:.1f} s = {per:.1f} ms per notification "
                     "(fire + deliver, all workers)"
                     + (f"; {'; '.join(extra)}" if extra else ""))  # fmt: skip
    lines += ["", "peers (quoted from issue 4, not measured here):"]
    lines += [f"  {name}: {cadence}" for name, cadence in PEERS]
    lines += ["", "targets (issue 4):"]
    for r in results:
        complete = r.received == r.hot and r.duplicates == 0
        p99, mx = pct(r.delays, 99), max(r.delays, default=float("inf"))
        for label, ok, value in (
            (f"p99 < {TARGET_P99:.0f} s", p99 < TARGET_P99, f"{p99:.2f} s"),
            (f"max < {TARGET_MAX:.0f} s", mx < TARGET_MAX, f"{mx:.2f} s"),
            ("all delivered, none twice", complete,
             f"{r.received}/{r.hot}, {r.duplicates} duplicates"),
        ):  # fmt: skip
            lines.append(f"  {'PASS' if ok else 'MISS'}  {r.backend:<10} {label}: {value}")
    lines += [
        "",
        f"total wall time {total_s:.0f} s; Python {platform.python_version()}, "
        f"{os.cpu_count()} cores; {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="PG 50,000 / SQLite 20,000 clocks, 667 timers over 20 s")  # fmt: skip
    parser.add_argument("--backends", default="postgresql,sqlite")
    parser.add_argument("--pg-clocks", type=int, default=None)
    parser.add_argument("--sqlite-clocks", type=int, default=None)
    parser.add_argument("--pg-workers", type=int, default=2)
    parser.add_argument("--hot", type=int, default=None,
                        help="timers in the window (default 2,000 per 60 s of window)")  # fmt: skip
    parser.add_argument("--window", type=float, default=None, help="seconds (default 60)")
    parser.add_argument("--timeout", type=float, default=60.0,
                        help="extra seconds to wait after the window")  # fmt: skip
    parser.add_argument("--db-name", default="sladesk_timerbench")
    parser.add_argument("--answer-ms", type=float, default=0.0,
                        help="the receiver answers after this long (delay is measured on "
                             "arrival; default 0)")  # fmt: skip
    args = parser.parse_args()
    args.pg_clocks = args.pg_clocks or (50_000 if args.quick else 1_000_000)
    args.sqlite_clocks = args.sqlite_clocks or (20_000 if args.quick else 100_000)
    args.window = args.window or (20.0 if args.quick else 60.0)
    args.hot = args.hot or round(2000 * args.window / 60)  # the rate: 33 timers/s

    def on_term(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    t_begin = time.perf_counter()
    cpu0 = cpu_times()
    time.sleep(1.0)
    busy_before = busy_since(cpu0)
    receiver = Receiver(args.answer_ms / 1000)
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="timerbench-") as tmpname:
        tmp = Path(tmpname)
        try:
            for name in [s.strip() for s in args.backends.split(",") if s.strip()]:
                b = make_backend(name, args, tmp)
                try:
                    results.append(run_backend(b, args, receiver, tmp))
                finally:
                    for fn in b.cleanup:
                        with contextlib.suppress(Exception):
                            fn()
        except Exception:
            for f in sorted(tmp.glob("*.log")):
                log(f"--- {f.name} (tail)\n{f.read_text(errors='replace')[-3000:]}")
            raise
        finally:
            receiver.stop()
        for f in sorted(tmp.glob("*.log")):
            errors = [ln for ln in f.read_text(errors="replace").splitlines()
                      if "ERROR" in ln or "Traceback" in ln]  # fmt: skip
            if errors:
                log(f"{f.name}: {len(errors)} error lines, e.g. {errors[0][:300]}")
    print(report(results, args, time.perf_counter() - t_begin, busy_before))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
