"""``sladesk sla ...``: ask a policy file when things are due, and validate policy files.

``sladesk sla due POLICY_FILE --priority P [--at ISO8601] [--plan X] [--region R] [--json]``
prints each target's due instant and the explanation for a ticket opened at ``--at``
(default: now). ``--at`` must carry a UTC offset (``2026-11-25T16:30-08:00`` or ``...Z``);
a naive time is an error, never guessed.

``sladesk sla check POLICY_FILE...`` prints ``ok PATH`` per valid file and one
``PATH:LINE: message`` line per problem of an invalid one — every problem found, not only
the first (exit 1 when any is invalid).

This module is the SLA core's edge: ``due`` without ``--at`` is the one place that reads
the clock, once, and passes the instant in.

Bad input exits with status 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TextIO

from .errors import PolicyError, SlaError
from .explain import explain_target
from .policy import Policy, load_policy

__all__ = ["build_parser", "main"]

_USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # one line, status 2
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(_USAGE_ERROR)


def build_parser(prog: str = "sladesk sla") -> argparse.ArgumentParser:
    """The ``sla`` command's argument parser."""
    parser = _Parser(prog=prog, description="Support-policy deadlines and validation.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    due = sub.add_parser("due", help="when each target of a ticket is due, and why")
    due.add_argument("policy", metavar="POLICY_FILE")
    due.add_argument("--priority", required=True, help="key, name or alias (P1, Sev2, Urgent)")
    due.add_argument("--at", default=None, help="ISO 8601 instant with offset (default: now)")
    due.add_argument("--plan", default=None)
    due.add_argument("--region", default=None)
    due.add_argument("--json", action="store_true", help="machine-readable output")
    check = sub.add_parser("check", help="validate policy files")
    check.add_argument("policies", metavar="POLICY_FILE", nargs="+")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``sladesk sla`` with ``argv`` (without the leading ``sla``); returns the exit code."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed on one line
        return exc.code if isinstance(exc.code, int) else _USAGE_ERROR
    try:
        if args.command == "check":
            return _check(args.policies, sys.stdout)
        return _due(args, sys.stdout)
    except SlaError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return _USAGE_ERROR


def _check(paths: Sequence[str], out: TextIO) -> int:
    bad = 0
    for path in paths:
        try:
            load_policy(path)
        except PolicyError as exc:
            bad += 1
            for problem in exc.problems:
                sys.stderr.write(f"{problem}\n")
        except SlaError as exc:
            bad += 1
            sys.stderr.write(f"{exc}\n")
        else:
            out.write(f"ok {path}\n")
    return 1 if bad else 0


def _parse_at(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise SlaError(
            f"--at {text!r} is not an ISO 8601 time (e.g. 2026-11-25T16:30-08:00)"
        ) from None
    if at.tzinfo is None:
        raise SlaError(
            f"--at {text!r} has no UTC offset; "
            "write e.g. 2026-11-25T16:30-08:00 or 2026-11-26T00:30Z"
        )
    return at


def _due(args: argparse.Namespace, out: TextIO) -> int:
    at = _parse_at(args.at) if args.at is not None else datetime.now(UTC).replace(microsecond=0)
    policy: Policy = load_policy(args.policy)
    key = policy.resolve_priority(args.priority)
    plan = policy.resolve_plan(args.plan)
    region = policy.resolve_region(args.region)
    targets = policy.targets(key, plan, region)
    rows: dict[str, dict[str, Any]] = {}
    for metric, t in targets.items():
        due = t.due(at)
        rows[metric] = {
            "due": due.isoformat() if due is not None else None,
            "duration": t.text,
            "calendar": t.calendar_name,
            "business": t.business,
            "work_seconds": int(t.work.total_seconds()),
            "continuous": t.continuous,
            "met_by_downgrade_to": t.met_by_downgrade_to,
            "page_on_breach": t.page_on_breach,
            "explanation": explain_target(t, at),
        }
    if args.json:
        doc = {
            "policy": policy.name,
            "priority": key,
            "plan": plan,
            "region": region,
            "opened": at.isoformat(),
            "targets": rows,
        }
        out.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        return 0
    context = ", ".join(
        x for x in (f"priority {key}", plan and f"plan {plan}", region and f"region {region}") if x
    )
    out.write(f"{policy.name} ({policy.title}): {context}, opened {at.isoformat()}\n")
    for reason in policy.pages_on_create(key, at, plan, region):
        out.write(f"  page on-call: {reason}\n")
    width = max((len(m) for m in rows), default=0)
    for metric, row in rows.items():
        due_text = row["due"] or "no timer (continuous)"
        out.write(f"{metric:<{width}}  {due_text}\n")
        out.write(f"{'':<{width}}  {row['explanation']}\n")
    if not rows:
        out.write("no targets for this ticket\n")
    return 0
