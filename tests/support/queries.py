"""Query counts kept as baselines in files, refreshed on purpose.

Each test area keeps its counts in ``tests/<area>/query_counts.json``, keyed
``"<test module>::<block name>"``. A value is the number of SQL queries the named block
runs: one integer when SQLite and PostgreSQL agree, else ``{"postgresql": n, "sqlite": m}``.
`assert_query_count` fails when a block runs a different number than its baseline (more
is a regression; fewer is an improvement to record) and lists the queries it saw.

To record a change on purpose, run the tests concerned with
``SLADESK_UPDATE_QUERY_COUNTS=1`` on each database (``make test-sqlite`` and
``make test-postgres`` accept it too) and commit the JSON diff: a count first recorded on
one database is written as one integer; recording the other database splits it by vendor
only where the two differ. Writers take a file lock, so ``-n 2`` may record.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

__all__ = ["BASELINE_FILE", "UPDATE_ENV", "assert_query_count", "expected_count", "merge_count"]

UPDATE_ENV = "SLADESK_UPDATE_QUERY_COUNTS"
BASELINE_FILE = "query_counts.json"
VENDORS = ("postgresql", "sqlite")

Entry = int | dict[str, int]

_loaded: dict[Path, dict[str, Entry]] = {}


def _updating() -> bool:
    return os.environ.get(UPDATE_ENV, "") not in ("", "0")


def _load(path: Path) -> dict[str, Entry]:
    if path not in _loaded:
        _loaded[path] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return _loaded[path]


def expected_count(entry: Entry | None, vendor: str) -> int | None:
    """The baseline of one database from a file entry (None: nothing recorded for it)."""
    if entry is None or isinstance(entry, int):
        return entry
    return entry.get(vendor)


def merge_count(entry: Entry | None, vendor: str, count: int) -> Entry:
    """The entry after recording ``count`` for ``vendor``: one integer while every database
    recorded agrees, a per-vendor mapping where they differ."""
    if entry is None or entry == count:
        return count
    per_vendor = {v: entry for v in VENDORS} if isinstance(entry, int) else dict(entry)
    per_vendor[vendor] = count
    values = set(per_vendor.values())
    if len(values) == 1 and set(per_vendor) >= set(VENDORS):
        return values.pop()
    return dict(sorted(per_vendor.items()))


def _record(path: Path, key: str, vendor: str, count: int) -> None:
    with path.open("a+", encoding="utf-8") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        f.seek(0)
        text = f.read()
        data: dict[str, Entry] = json.loads(text) if text.strip() else {}
        data[key] = merge_count(data.get(key), vendor, count)
        f.seek(0)
        f.truncate()
        f.write(json.dumps(dict(sorted(data.items())), indent=2) + "\n")
    _loaded.pop(path, None)


@contextmanager
def assert_query_count(path: Path, key: str, *, using: str = "default") -> Iterator[Any]:
    """Run the block under `CaptureQueriesContext` (yielded, so a test may also read its
    queries) and compare its query count with baseline ``key`` of the JSON file ``path``;
    with ``SLADESK_UPDATE_QUERY_COUNTS=1`` record the count instead."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    connection = connections[using]
    with CaptureQueriesContext(connection) as captured:
        yield captured
    actual = len(captured.captured_queries)
    vendor = connection.vendor
    if _updating():
        _record(path, key, vendor, actual)
        return
    expected = expected_count(_load(path).get(key), vendor)
    where = f"{path.parent.name}/{path.name} {key!r} ({vendor})"
    if expected is None:
        pytest.fail(
            f"no query-count baseline for {where}: it ran {actual} queries; record it with "
            f"{UPDATE_ENV}=1",
            pytrace=False,
        )
    if actual != expected:
        listing = "\n".join(
            f"  {i}. {q['sql'][:300]}" for i, q in enumerate(captured.captured_queries, 1)
        )
        pytest.fail(
            f"{where} ran {actual} queries, its baseline is {expected}. If the change is "
            f"intended, record it with {UPDATE_ENV}=1 and commit the JSON.\n{listing}",
            pytrace=False,
        )
