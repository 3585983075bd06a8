"""Who has a ticket open, and who is writing a reply: a small cache-backed presence table.

Each open ticket page sends a heartbeat every few seconds (htmx); an entry lives for
`TTL` seconds after its last heartbeat. Stored in Django's default cache under
``presence:ticket:<id>`` as ``{user_id: {"name", "replying", "seen"}}`` (epoch seconds).
With several server processes the cache must be shared (Redis, Memcached, database);
the per-process default (LocMemCache) is enough for one process. Read-modify-write is
not atomic: two heartbeats at the same instant may drop one entry until the next beat,
which only delays a notice by one heartbeat.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.core.cache import cache

__all__ = ["TTL", "Presence", "beat", "others"]

TTL = 15  # seconds an entry stays without a heartbeat


@dataclass(frozen=True)
class Presence:
    user_id: int
    name: str
    replying: bool


def _key(ticket_id: int) -> str:
    return f"presence:ticket:{ticket_id}"


def beat(
    ticket_id: int, user_id: int, name: str, *, replying: bool, at: float | None = None
) -> None:
    """Record that ``user_id`` has the ticket open (and whether a reply is being written)."""
    at = time.time() if at is None else at
    table = _fresh(cache.get(_key(ticket_id)) or {}, at)
    table[str(user_id)] = {"name": name, "replying": replying, "seen": at}
    cache.set(_key(ticket_id), table, TTL * 2)


def others(ticket_id: int, user_id: int, at: float | None = None) -> list[Presence]:
    """The other agents on the ticket now, those writing a reply first."""
    at = time.time() if at is None else at
    table = _fresh(cache.get(_key(ticket_id)) or {}, at)
    found = [
        Presence(int(uid), str(e["name"]), bool(e["replying"]))
        for uid, e in table.items()
        if uid != str(user_id)
    ]
    return sorted(found, key=lambda p: (not p.replying, p.name))


def _fresh(table: dict[str, dict[str, object]], at: float) -> dict[str, dict[str, object]]:
    return {uid: e for uid, e in table.items() if at - float(e["seen"]) <= TTL}  # type: ignore[arg-type]
