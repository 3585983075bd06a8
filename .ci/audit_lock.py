"""Audit requirements/server.lock against a vulnerability database (``make audit``).

Runs pip-audit on the locked versions (no install: ``--disable-pip``, the lock is fully
pinned and hashed) against PyPI's vulnerability data (OSV's advisories, per release),
then OSV's own API. Says plainly which packages were audited and which were not:

- a known vulnerability in a locked version: lists it, exit 1 (fails CI);
- no database reachable, or none that knows these releases (PyPI's per-release JSON
  answers 404, OSV does not resolve): ``NOT AUDITED`` with the reason, exit 0 — an
  unreachable database must not fail CI, and must not read as "no vulnerabilities";
- otherwise: "no known vulnerabilities in N packages", exit 0.

Usage: python .ci/audit_lock.py [LOCK]   (default requirements/server.lock)
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

#: pip-audit's vulnerability services, each with a URL probed first (10 s) so that an
#: unreachable one costs seconds, not a timeout per locked package.
SERVICES = {"pypi": "https://pypi.org/pypi/pip/json", "osv": "https://api.osv.dev/v1/query"}


def reachable(url: str) -> str | None:
    """None if ``url`` answers at all (any HTTP status), else why not."""
    try:
        with urllib.request.urlopen(url, timeout=10):
            return None
    except urllib.error.HTTPError:
        return None
    except (OSError, ValueError) as exc:
        return f"{type(exc).__name__}: {exc}"[:200]


def audit(lock: Path, service: str) -> tuple[dict[str, list[str]], dict[str, str], str | None]:
    """(vulnerable name -> ids, skipped name -> reason, error) from one pip-audit run."""
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "audit.json"
        done = subprocess.run(
            [sys.executable, "-m", "pip_audit", "--require-hashes", "--disable-pip", "-r", str(lock), "--timeout", "10",
             "-s", service, "-f", "json", "-o", str(report), "--progress-spinner", "off"],
            capture_output=True, text=True, timeout=600, check=False,
        )
        if not report.exists():
            lines = (done.stderr or done.stdout).strip().splitlines()
            return {}, {}, lines[-1] if lines else f"pip-audit exited {done.returncode}"
        data = json.loads(report.read_text())
    vulnerable = {d["name"]: [v["id"] for v in d["vulns"]] for d in data["dependencies"] if d.get("vulns")}
    skipped = {d["name"]: d["skip_reason"] for d in data["dependencies"] if d.get("skip_reason")}
    return vulnerable, skipped, None


def main(argv: list[str]) -> int:
    lock = Path(argv[0] if argv else "requirements/server.lock")
    total = sum(1 for line in lock.read_text().splitlines() if line[:1].isalnum())
    reasons = []
    for service, probe in SERVICES.items():
        error = reachable(probe)
        if error is not None:
            reasons.append(f"{service}: unreachable ({error})")
            continue
        vulnerable, skipped, error = audit(lock, service)
        if vulnerable:
            print(f"audit ({service}): KNOWN VULNERABILITIES in {lock}:")
            for name, ids in sorted(vulnerable.items()):
                print(f"  {name}: {', '.join(ids)}")
            return 1
        if error is not None:
            reasons.append(f"{service}: unreachable ({error[:200]})")
            continue
        audited = total - len(skipped)
        if audited == 0:
            reasons.append(f"{service}: reachable but knows none of the {total} locked releases "
                           f"(e.g. {next(iter(skipped.values()), '')})")
            continue
        print(f"audit ({service}): no known vulnerabilities in {audited} of {total} locked packages"
              + (f"; NOT audited: {', '.join(sorted(skipped))}" if skipped else ""))
        return 0
    print(f"audit: NOT AUDITED: no vulnerability database could check {lock}:")
    for reason in reasons:
        print(f"  {reason}")
    print("  (not a failure: run `make audit` where PyPI's per-release JSON API or OSV is reachable)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
