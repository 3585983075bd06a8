"""Business-time deadlines and elapsed time: sladesk against its peers, in one run.

    .venv/bin/python benchmarks/sla_add.py           # 20,000 queries per operation
    .venv/bin/python benchmarks/sla_add.py --quick   # 4,000, smaller oracle sample

Two calendars, both America/Los_Angeles:
  office  Mon-Fri 09:00-17:00 with US holidays (particle-enterprise `na`)
  nights  every day 22:00-06:00 (an overnight desk; crosses both DST nights)

Queries: random minute-aligned starts over 2024-2028 (a third of them within three days of
a DST change or a US holiday), work log-uniform from 1 minute to 5 business days (40 h),
elapsed-time pairs log-uniform from 1 minute to 10 days apart. Every library gets the
same aware datetimes in and returns aware datetimes (or timedeltas).

For each calendar x operation x library: operations per second (best of a few runs;
slow peers are timed on a prefix and the rate is what that prefix gave), sladesk's
speed-up over it, and its disagreement rate with the naive minute-stepping oracle
(tests/support/sla_oracle.py) on the first --check queries. Then the batch API: sladesk
`add_many` / `elapsed_many` (numpy epoch seconds) against workclock `add_many` /
`between_many` (numpy datetime64). Targets from issue 2 are printed with PASS/MISS.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays as holidays_lib
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests"), str(Path(__file__).parent)]

from _peers import (  # noqa: E402
    Peer,
    businesstimedelta_peer,
    pandas_peer,
    workclock_peer,
)
from sladesk.sla import Calendar, parse_spans  # noqa: E402
from support.sla_oracle import Oracle, OracleSpec, dst_changes  # noqa: E402

ZONE = "America/Los_Angeles"
TZ = ZoneInfo(ZONE)
SPECS = {
    "office": OracleSpec(ZONE, {d: parse_spans("09:00-17:00") for d in range(5)}, "US"),
    "nights": OracleSpec(ZONE, {d: parse_spans("22:00-06:00") for d in range(7)}),
}
LO = datetime(2024, 1, 1, tzinfo=TZ)
HI = datetime(2029, 1, 1, tzinfo=TZ)
MIN = 60
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def sladesk_calendar(kind: str) -> Calendar:
    spec = SPECS[kind]
    return Calendar(kind, ZONE, spec.weekly, holiday_country=spec.holiday_country)


# ------------------------------------------------------------------------ workload
def _anchors() -> list[int]:
    """DST changes and local midnights of US holidays, 2024-2028 (epoch seconds)."""
    out = [t for y in range(2024, 2029) for t in dst_changes(ZONE, y)]
    days = holidays_lib.country_holidays("US", years=range(2024, 2029))
    out += [int(datetime(d.year, d.month, d.day, tzinfo=TZ).timestamp()) for d in days]
    return out


def _log_uniform_minutes(rng: random.Random, hi: int) -> int:
    return max(1, round(math.exp(rng.uniform(0.0, math.log(hi)))))


def workload(n: int, seed: int) -> tuple[list[datetime], list[timedelta], list[datetime]]:
    """``n`` starts, work amounts and elapsed-query ends (all minute-aligned, aware)."""
    rng = random.Random(seed)
    anchors = _anchors()
    lo, hi = int(LO.timestamp()) // MIN, int(HI.timestamp()) // MIN
    starts, works, ends = [], [], []
    for _ in range(n):
        if rng.random() < 1 / 3:
            t = rng.choice(anchors) // MIN + rng.randint(-3 * 1440, 3 * 1440)
        else:
            t = rng.randint(lo, hi)
        start = datetime.fromtimestamp(t * MIN, TZ)
        starts.append(start)
        works.append(timedelta(minutes=_log_uniform_minutes(rng, 5 * 8 * 60)))
        ends.append(start + timedelta(minutes=_log_uniform_minutes(rng, 10 * 1440)))
    return starts, works, ends


# ------------------------------------------------------------------------ measuring
def rate(fn: Callable[[], object], count: int, repeat: int) -> float:
    """Operations per second of ``fn`` (which performs ``count`` operations), best run."""
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return count / best


def same_instant(a: datetime, b: datetime) -> bool:
    # Compare as UTC: PEP 495 makes `==` false across zones inside a repeated hour.
    return a.astimezone(UTC) == b.astimezone(UTC)


class Row:
    def __init__(self, kind: str, op: str, lib: str, ops: float, note: str = "") -> None:
        self.kind, self.op, self.lib, self.ops, self.note = kind, op, lib, ops, note
        self.checked = 0
        self.wrong = 0


def run(args: argparse.Namespace) -> int:
    n, check = args.n, args.check
    starts, works, ends = workload(n, seed=2026)
    rows: list[Row] = []
    ratios: dict[tuple[str, str, str], float] = {}
    t_begin = time.perf_counter()

    for kind in ("office", "nights"):
        cal = sladesk_calendar(kind)
        wc, schedule = workclock_peer(kind, ZONE)
        peers: list[tuple[Peer, int]] = [
            (Peer("sladesk", cal.add, cal.elapsed), n),
            (wc, n),
            (pandas_peer(kind, ZONE), min(n, args.slow_n)),
            (businesstimedelta_peer(kind, ZONE), min(n, args.slow_n)),
        ]
        oracle = Oracle(SPECS[kind])
        t0 = time.perf_counter()
        want_add = [
            oracle.add(int(s.timestamp()), int(w.total_seconds()))
            for s, w in zip(starts[:check], works[:check], strict=True)
        ]
        want_elapsed = [
            oracle.elapsed(int(a.timestamp()), int(b.timestamp()))
            for a, b in zip(starts[:check], ends[:check], strict=True)
        ]
        print(
            f"[{kind}] oracle answered {2 * check} queries in {time.perf_counter() - t0:.1f} s",
            file=sys.stderr,
        )

        for peer, count in peers:
            s_, w_, e_ = starts[:count], works[:count], ends[:count]
            add = peer.add
            # warm-up (lays out years, fills caches), then timed runs
            got_add = [add(s, w) for s, w in zip(s_, w_, strict=True)]
            repeat = 3 if count == n else 1
            ops = rate(
                lambda add=add, s_=s_, w_=w_: [add(s, w) for s, w in zip(s_, w_, strict=True)],
                count,
                repeat,
            )
            row = Row(kind, "add", peer.name, ops, peer.limits)
            for got, want in zip(got_add, want_add, strict=False):
                row.checked += 1
                row.wrong += not same_instant(got, datetime.fromtimestamp(want, UTC))
            rows.append(row)
            if peer.elapsed is None:
                rows.append(Row(kind, "elapsed", peer.name, math.nan, "no such operation"))
                continue
            el = peer.elapsed
            got_el = [el(a, b) for a, b in zip(s_, e_, strict=True)]
            ops = rate(
                lambda el=el, s_=s_, e_=e_: [el(a, b) for a, b in zip(s_, e_, strict=True)],
                count,
                repeat,
            )
            row = Row(kind, "elapsed", peer.name, ops, peer.limits)
            for got_td, want_s in zip(got_el, want_elapsed, strict=False):
                row.checked += 1
                row.wrong += got_td != timedelta(seconds=want_s)
            rows.append(row)

        rows += batch_rows(kind, cal, schedule, starts, works, ends)

    for r in rows:
        base = next(x.ops for x in rows if (x.kind, x.op, x.lib) == (r.kind, r.op, "sladesk"))
        ratios[(r.kind, r.op, r.lib)] = base / r.ops if r.ops == r.ops else math.nan
    print_table(rows, ratios, n, args.slow_n, check)
    print_targets(rows, ratios)
    print(f"\ntotal wall time {time.perf_counter() - t_begin:.0f} s", file=sys.stderr)
    return 0


def batch_rows(
    kind: str,
    cal: Calendar,
    schedule: Any,
    starts: Sequence[datetime],
    works: Sequence[timedelta],
    ends: Sequence[datetime],
) -> list[Row]:
    """Batch API: sladesk on numpy epoch seconds, workclock on numpy datetime64."""
    n = len(starts)
    epoch = np.array([int(s.timestamp()) for s in starts], dtype=np.int64)
    work_s = np.array([int(w.total_seconds()) for w in works], dtype=np.int64)
    end_s = np.array([int(e.timestamp()) for e in ends], dtype=np.int64)
    d64 = epoch.astype("datetime64[s]").astype("datetime64[us]")
    w64 = work_s.astype("timedelta64[s]").astype("timedelta64[us]")
    e64 = end_s.astype("datetime64[s]").astype("datetime64[us]")
    ours = cal.add_many(epoch, work_s)
    theirs = schedule.add_many(d64, w64).astype(np.int64) / 1e6
    one_by_one = np.array(
        [(cal.add(s, w) - EPOCH) / timedelta(seconds=1) for s, w in zip(starts, works, strict=True)]
    )
    return [
        Row(
            kind,
            "add_many",
            "sladesk",
            rate(lambda: cal.add_many(epoch, work_s), n, 5),
            f"equals scalar add: {bool(np.array_equal(ours, one_by_one))}",
        ),
        Row(
            kind,
            "add_many",
            "workclock",
            rate(lambda: schedule.add_many(d64, w64), n, 3),
            f"equals sladesk: {bool(np.array_equal(ours, theirs))}",
        ),
        Row(kind, "elapsed_many", "sladesk", rate(lambda: cal.elapsed_many(epoch, end_s), n, 5)),
        Row(kind, "elapsed_many", "workclock", rate(lambda: schedule.between_many(d64, e64), n, 3)),
    ]


def print_table(
    rows: Sequence[Row], ratios: dict[tuple[str, str, str], float], n: int, slow_n: int, check: int
) -> None:
    print(
        f"\n{n:,} queries per operation (pandas, businesstimedelta: first {min(n, slow_n):,}); "
        f"oracle check on the first {check:,}"
    )
    head = (
        f"{'calendar':8} {'operation':12} {'library':18} {'ops/s':>12} {'sladesk x':>10} "
        f"{'oracle disagree':>16}  note"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        ops = "n/a" if r.ops != r.ops else f"{r.ops:,.0f}"
        ratio = ratios[(r.kind, r.op, r.lib)]
        rs = "" if r.lib == "sladesk" else ("n/a" if ratio != ratio else f"{ratio:,.1f}x")
        dis = f"{r.wrong}/{r.checked} ({100 * r.wrong / r.checked:.1f}%)" if r.checked else ""
        print(f"{r.kind:8} {r.op:12} {r.lib:18} {ops:>12} {rs:>10} {dis:>16}  {r.note}")


def print_targets(rows: Sequence[Row], ratios: dict[tuple[str, str, str], float]) -> None:
    def worst(op: str, lib: str) -> float:
        return min(v for (k, o, lb), v in ratios.items() if o == op and lb == lib and v == v)

    wrong = sum(r.wrong for r in rows if r.lib == "sladesk")
    checks = [
        ("per call >= 2x workclock (add)", worst("add", "workclock"), 2.0),
        ("per call >= 2x workclock (elapsed)", worst("elapsed", "workclock"), 2.0),
        (">= 100x pandas CustomBusinessHour (add)", worst("add", "pandas CBH"), 100.0),
        ("batch add_many >= 10x workclock's batch", worst("add_many", "workclock"), 10.0),
    ]
    print("\ntargets (issue 2), worst calendar:")
    for text, got, need in checks:
        print(f"  {'PASS' if got >= need else 'MISS'}  {text}: {got:,.1f}x")
    print(f"  {'PASS' if wrong == 0 else 'MISS'}  zero oracle disagreement for sladesk: {wrong}")


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true", help="4,000 queries, 100 oracle checks")
    p.add_argument("-n", type=int, default=20_000, help="queries per operation")
    p.add_argument("--slow-n", type=int, default=2_000, help="queries for the slow peers")
    p.add_argument("--check", type=int, default=500, help="queries checked against the oracle")
    args = p.parse_args(argv)
    if args.quick:
        args.n, args.slow_n, args.check = 4_000, 500, 100
    args.check = min(args.check, args.slow_n, args.n)
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
