"""The built-in SMTP server (aiosmtpd): accept mail for our domains, store it, then say 250.

Conversation rules:

* ``RCPT TO`` for an address outside the configured domains (``SLADESK_EMAIL["domains"]``
  and the domains of `InboundAddress` rows) → ``550 5.7.1`` (we are no open relay);
* a message larger than ``max_message_bytes`` → ``552 5.3.4`` naming the limit (also
  advertised as ``SIZE`` in EHLO, and refused at ``MAIL FROM ... SIZE=``); lines of any
  length up to that are accepted and stored byte for byte;
* after ``DATA`` the raw bytes and the envelope are committed (`store_raws`) *before* the
  server answers ``250 2.0.0 Stored as <id>``; if storing fails the answer is ``451`` and
  the sender retries. Processing happens afterwards (`sladesk.intake.worker` wakes up at
  once; after a crash it finds the stored row on the next start).

Database work runs in a small thread pool, never on the event loop. Storing is a group
commit (`_GroupStore`): on SQLite one pool thread at a time stores every message whose
DATA has ended, in one transaction, and the sessions waiting on them answer after its
commit; mail arriving meanwhile waits for the next commit (four sessions storing one
transaction each cost a thread hop, the writer lock and a commit per message, and queued
behind a processing batch one by one). On PostgreSQL up to one drain per pool thread runs
at once: transactions commit in parallel there, and one serial drain made each session
wait for the others' round trips.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import connection

from sladesk.core.database import refresh_connection

from .conf import conf
from .routing import accepts_domain
from .store import NULL_SENDER, Raw, store_raws

__all__ = ["SmtpHandler", "start_smtp"]

logger = logging.getLogger(__name__)


def _db(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    refresh_connection()
    return fn(*args, **kwargs)


def _configured_domain(address: str) -> bool:
    return address.strip().lower().rpartition("@")[2].rstrip(">") in conf().domain_set


class _GroupStore:
    """Stores the messages handed to `store` with as few commits as possible (see the
    module docstring); each caller gets its own row id or exception after the commit."""

    def __init__(self, pool: ThreadPoolExecutor, drains: int) -> None:
        self.pool = pool
        self.drains = drains
        self.lock = threading.Lock()
        self.waiting: list[tuple[Raw, asyncio.Future[int]]] = []
        self.storing = 0

    async def store(self, item: Raw) -> int:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[int] = loop.create_future()
        with self.lock:
            self.waiting.append((item, done))
            start = self.storing < self.drains
            self.storing += start
        if start:
            loop.run_in_executor(self.pool, self._drain, loop)
        return await done

    def _drain(self, loop: asyncio.AbstractEventLoop) -> None:
        """In a pool thread: store what is waiting, again, until nothing is."""
        while True:
            with self.lock:
                group, self.waiting = self.waiting, []
                if not group:
                    self.storing -= 1
                    return
            try:
                rows = _db(store_raws, [item for item, _ in group])
                outcome: list[Any] = [row.pk for row in rows]
            except Exception as exc:
                logger.exception("smtp: storing %s message(s) failed", len(group))
                outcome = [exc] * len(group)
            with contextlib.suppress(RuntimeError):  # the server stopped meanwhile: nobody waits
                loop.call_soon_threadsafe(_settle, [done for _, done in group], outcome)


def _settle(futures: list[asyncio.Future[int]], outcome: list[Any]) -> None:
    for done, result in zip(futures, outcome, strict=True):
        if done.cancelled():  # the session went away meanwhile
            continue
        if isinstance(result, Exception):
            done.set_exception(result)
        else:
            done.set_result(result)


class SmtpHandler:
    """aiosmtpd handler: domain check at RCPT, durable store at DATA."""

    def __init__(self, on_stored: Callable[[int], None] | None = None, threads: int = 4) -> None:
        self.on_stored = on_stored
        self.threads = threads
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="sladesk-smtp-db")
        # SQLite has one writer: one drain at a time, groups as large as the wait made them.
        # PostgreSQL commits in parallel (and merges concurrent WAL flushes itself): as many
        # drains as threads, so a store's round trips do not hold up the other sessions.
        self.group = _GroupStore(self.pool, 1 if connection.vendor == "sqlite" else threads)

    def close(self) -> None:
        """Close every pool thread's database connection, then the pool."""
        barrier = threading.Barrier(self.threads, timeout=5)

        def close_one() -> None:
            connection.close()
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()  # each thread takes exactly one of these tasks

        for _ in range(self.threads):
            self.pool.submit(close_one)
        self.pool.shutdown(wait=True)

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        loop = asyncio.get_running_loop()
        try:
            # a configured domain needs no database: answer on the loop, no thread hop
            ok = _configured_domain(address) or await loop.run_in_executor(
                self.pool, _db, accepts_domain, address
            )
        except Exception:
            logger.exception("smtp: RCPT check failed")
            return "451 4.3.0 Temporary failure; try again later"
        if not ok:
            return f"550 5.7.1 <{address}>: sladesk does not accept mail for this domain"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):  # pragma: no cover - decode_data is off
            raw = raw.encode("utf-8", "surrogateescape")
        peer = session.peer[0] if isinstance(session.peer, tuple) and session.peer else ""
        item = Raw(
            bytes(raw),
            str(envelope.mail_from or NULL_SENDER),
            list(envelope.rcpt_tos),
            "smtp",
            str(peer),
            str(session.host_name or ""),
        )
        try:
            pk = await self.group.store(item)
        except Exception:  # logged by the group store
            return "451 4.3.0 Could not store the message; try again later"
        if self.on_stored is not None:
            self.on_stored(pk)
        return f"250 2.0.0 Stored as {pk}"


class _SMTP(SMTP):
    """aiosmtpd's server with size refusals that say what the limit is, and no line length
    limit in DATA below the message size limit: real mail has 1,242-character headers and
    5,000-character base64 lines (RFC 5321 §4.5.3.1.6 says 1,000, but a receiver refusing
    them loses mail; Postfix accepts and keeps them). aiosmtpd's ``line_length_limit`` (1,001
    by default; it is also its stream buffer's limit) is raised to the message size limit,
    so the bytes are kept exactly as sent; commands keep their own 512-byte limit."""

    def __init__(
        self, handler: Any, *args: Any, data_size_limit: int | None = None, **kwargs: Any
    ) -> None:
        self.line_length_limit = max(SMTP.line_length_limit, data_size_limit or 0)
        super().__init__(handler, *args, data_size_limit=data_size_limit, **kwargs)

    async def push(self, status: str) -> None:
        if status.startswith("552 Error"):
            limit = self.data_size_limit or 0
            status = f"552 5.3.4 Message too big: sladesk accepts messages up to {limit} bytes"
        await super().push(status)


class _Controller(Controller):
    def stop(self, *args: Any, **kwargs: Any) -> None:
        super().stop(*args, **kwargs)
        self.handler.close()

    def factory(self) -> SMTP:
        return _SMTP(self.handler, **self.SMTP_kwargs)

    def _trigger_server(self) -> None:
        if not self.port and self.server is not None:  # port 0: learn the ephemeral port
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def start_smtp(
    bind: str | None = None, *, on_stored: Callable[[int], None] | None = None
) -> Controller:
    """Start the SMTP server in a thread on ``bind`` (``host:port``; port 0 = ephemeral).

    Returns the started controller (``.port`` is the bound port; ``.stop()`` stops it).
    """
    host, _, port = (bind or conf().smtp_bind).rpartition(":")
    controller = _Controller(
        SmtpHandler(on_stored),
        hostname=host or "127.0.0.1",
        port=int(port),
        data_size_limit=conf().max_message_bytes,
        server_hostname="sladesk",
        ident="sladesk ESMTP",
    )
    controller.start()
    logger.info("smtp: listening on %s:%s", controller.hostname, controller.port)
    return controller
