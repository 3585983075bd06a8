"""``sladesk sla replay --policy NEW.yaml [--organization SLUG] --since DATE [--json]``.

`sladesk.cli` hands ``sla replay`` to the server (it needs the database); the rest of
``sladesk sla`` stays framework-free. Prints attainment before → after per metric and
priority and the clocks that flip (``--json``: ``{"tickets", "before", "after",
"flipped"}``). Exit status 0, or 2 with a one-line error for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any, TextIO

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="sladesk sla replay",
        description="Recompute the clocks of past tickets under another policy and compare.",
    )
    p.add_argument(
        "--policy", required=True, metavar="NEW.yaml", help="the policy file to replay under"
    )
    p.add_argument(
        "--organization", metavar="SLUG", default=None, help="only this organization's tickets"
    )
    p.add_argument(
        "--since",
        required=True,
        metavar="DATE",
        help="tickets opened on or after DATE (UTC, YYYY-MM-DD)",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def main(argv: Sequence[str], out: TextIO | None = None) -> int:
    """Run the replay; returns the exit status."""
    out = out or sys.stdout
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 2
    from sladesk.core import time as core_time
    from sladesk.sla import SlaError, load_policy

    from .replay import organization_by_slug, replay, tickets_since

    try:
        since = date.fromisoformat(args.since)
    except ValueError:
        sys.stderr.write(f"error: --since {args.since!r} is not a date YYYY-MM-DD\n")
        return 2
    try:
        policy = load_policy(args.policy)
    except (OSError, SlaError) as exc:
        sys.stderr.write(f"error: --policy {args.policy}: {exc}\n")
        return 2
    org = None
    if args.organization:
        org = organization_by_slug(args.organization)
        if org is None:
            sys.stderr.write(f"error: no organization with slug {args.organization!r}\n")
            return 2
    start = datetime.combine(since, time(0), tzinfo=UTC)
    report = replay(tickets_since(start, org), policy, core_time.now())
    data = report.as_json()
    if args.json:
        out.write(json.dumps(data, indent=2) + "\n")
        return 0
    out.write(f"{data['tickets']} tickets replayed under {policy.name}\n")
    for metric, by_priority in data["after"].items():
        for priority, after in by_priority.items():
            before = data["before"].get(metric, {}).get(priority, {})
            out.write(
                f"{metric:15} {priority:6} "
                f"met {_pct(before.get('pct_met'))} → {_pct(after['pct_met'])}"
                f"  breached {before.get('breached', 0)} → {after['breached']}\n"
            )
    for f in data["flipped"]:
        out.write(f"#{f['ticket']} {f['metric']}: {f['before']} → {f['after']}\n")
    return 0


def _pct(v: float | None) -> str:
    return "  –  " if v is None else f"{v:5.1f} %"
