"""The public views' cache: each page's rendered documents, per process, per revision.

A request looks up its page's entry; at most once per `REVALIDATE` seconds per page and
process the entry's revision is compared with the database's (one indexed query), and a
page whose ``revision`` moved (every service bumps it) is rebuilt. So a change is served
within about a second by every worker, and far inside the 5 s the public page promises,
while a page read a thousand times a second costs one query a second. Entries are also
rebuilt after `MAX_AGE` seconds even without a change: the 90-day bars and the running
maintenance windows move with the clock. `forget` (on commit of a change, in the process
that made it) drops this process's entries at once.

Each entry holds the bytes of every representation and their ETag (the revision and
build time), so a hit does no rendering, no JSON encoding and no query.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["MAX_AGE", "REVALIDATE", "Document", "Entry", "forget", "lookup"]

REVALIDATE = 1.0
MAX_AGE = 60.0


@dataclass(frozen=True)
class Document:
    body: bytes
    content_type: str
    etag: str


@dataclass
class Entry:
    """One page's documents at ``revision``; ``checked`` / ``built`` are monotonic seconds."""

    revision: int
    built: float
    checked: float
    documents: dict[str, Document] = field(default_factory=dict)


_entries: dict[str, Entry] = {}
_lock = threading.Lock()


def _etag(revision: int, built: float, kind: str, body: bytes) -> str:
    digest = hashlib.blake2s(body, digest_size=8).hexdigest()
    return f'"r{revision}-{kind}-{digest}"'


def lookup(
    key: str,
    kind: str,
    revision_of: Callable[[], int | None],
    build: Callable[[], dict[str, tuple[bytes, str]]],
) -> Document | None:
    """The document ``kind`` of page ``key``: cached, or rebuilt when stale. ``revision_of``
    reads the page's current revision (None: no such page); ``build`` renders every
    representation as ``{kind: (body, content type)}``."""
    now = time.monotonic()
    entry = _entries.get(key)
    if entry is not None and now - entry.checked < REVALIDATE and now - entry.built < MAX_AGE:
        return entry.documents.get(kind)
    revision = revision_of()
    if revision is None:
        return None
    if entry is not None and entry.revision == revision and now - entry.built < MAX_AGE:
        entry.checked = now
        return entry.documents.get(kind)
    with _lock:
        entry = _entries.get(key)
        if entry is None or entry.revision != revision or now - entry.built >= MAX_AGE:
            docs = {
                k: Document(body, ctype, _etag(revision, now, k, body))
                for k, (body, ctype) in build().items()
            }
            entry = Entry(revision, now, now, docs)
            _entries[key] = entry
    return entry.documents.get(kind)


def forget() -> None:
    """Drop this process's entries (a change was committed here)."""
    _entries.clear()
