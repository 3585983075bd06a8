"""The background worker: a timer loop and a delivery loop, in threads.

- ``sladesk worker`` runs them without the web server (scale-out: on PostgreSQL any
  number of workers on any number of machines share the work through ``SKIP LOCKED``);
  ``sladesk worker --once`` drains what is due now and exits.
- ``sladesk run`` (``make run``) starts one in-process worker with `start_in_thread`.

The timer loop fires due timers (`sladesk.notify.timers.fire_due`) and, when a pass
found less than a full batch, sleeps until the earliest ``fire_at`` — at most 1 second,
so a timer created meanwhile by another process waits at most that long. The delivery
loop keeps up to ``delivery_threads`` sends in flight (`sladesk.notify.outbox.Dispatcher`:
a slow receiver holds one thread, not the others), and is woken at once when a send
finishes or this process commits outbox rows (a timer firing, a page queued by a request
under ``make run``). The periodic
loop claims due slots of the registered periodic jobs once a second and runs them in its
own thread pool (`sladesk.core.periodic.PeriodicRunner`), so a long job never delays
a timer. Each loop
survives database errors (logged, retried after a second) and closes its connection
when it stops.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import close_old_connections, connection

from sladesk.core import periodic

from . import outbox, timers
from .conf import conf

__all__ = ["drain", "main", "run_loops", "start_in_thread"]

logger = logging.getLogger(__name__)

MAX_SLEEP = 1.0


@dataclass(frozen=True)
class _Loop:
    """One worker loop: ``work`` does a pass (returns rows handled); a full ``batch`` runs
    the next pass at once, else the loop ``sleep``s until ``next_in`` (at most 1 s);
    ``close`` runs when it stops."""

    name: str
    work: Callable[[], int]
    batch: Callable[[], int]
    next_in: Callable[[], float | None]
    sleep: Callable[[float], object] | None = None
    close: Callable[[], object] = lambda: None


def _loop(loop: _Loop, stop: threading.Event) -> None:
    logger.info("worker %s loop started", loop.name)
    sleep = loop.sleep or stop.wait
    try:
        while not stop.is_set():
            close_old_connections()
            try:
                done = loop.work()
                if done >= loop.batch():
                    continue  # a full batch: more may be due right now
                wait = loop.next_in()
            except Exception:
                logger.exception("worker %s loop: pass failed; retrying in a second", loop.name)
                wait = MAX_SLEEP
            sleep(MAX_SLEEP if wait is None else min(MAX_SLEEP, max(wait, 0.01)))
    finally:
        loop.close()
        connection.close()
        logger.info("worker %s loop stopped", loop.name)


def _delivery_loop() -> _Loop:
    """The delivery loop: a `sladesk.notify.outbox.Dispatcher` (sends in flight on a pool
    of ``delivery_threads`` that lives with the loop), woken as soon as this process commits
    outbox rows or a send finishes."""
    dispatcher = outbox.Dispatcher(conf().delivery_threads)
    dispatcher.warm_up()
    return _Loop(
        "delivery",
        dispatcher.step,
        lambda: 1,
        dispatcher.next_in,
        sleep=outbox.wait_for_work,
        close=dispatcher.close,
    )


def _warm_up() -> None:
    """Build, before the first timer is due, what its firing would otherwise pay for: the URL
    resolver behind ticket links (its first use imports every URL module: ~0.3 s of CPU)."""
    from .links import ticket_url

    try:
        ticket_url(0)
    except Exception:
        logger.exception("worker warm-up: building a ticket link failed")


def _threads(
    stop: threading.Event,
    *,
    timers_on: bool = True,
    delivery_on: bool = True,
    periodic_on: bool = True,
) -> list[threading.Thread]:
    _warm_up()
    loops = []
    if timers_on:
        loops.append(
            _Loop(
                "timers",
                lambda: timers.fire_due(),
                lambda: conf().timer_batch,
                lambda: timers.next_due_in(),
            )
        )
    if delivery_on:
        loops.append(_delivery_loop())
    if periodic_on:
        periodic.discover()
        runner = periodic.PeriodicRunner()
        stop_runner = threading.Thread(target=lambda: (stop.wait(), runner.shutdown()), daemon=True)
        stop_runner.start()
        loops.append(_Loop("periodic", runner.tick, lambda: 1 << 30, lambda: MAX_SLEEP))
    return [
        threading.Thread(target=_loop, args=(loop, stop), name=f"sladesk-{loop.name}", daemon=True)
        for loop in loops
    ]


def start_in_thread() -> threading.Event:
    """Start the timer and delivery loops as daemon threads; set the returned event to stop."""
    stop = threading.Event()
    for thread in _threads(stop):
        thread.start()
    return stop


def run_loops(
    *, timers_on: bool = True, delivery_on: bool = True, periodic_on: bool = True
) -> None:
    """Run the loops in this process until SIGINT/SIGTERM."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    threads = _threads(stop, timers_on=timers_on, delivery_on=delivery_on, periodic_on=periodic_on)
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        for thread in threads:
            thread.join(timeout=0.5)


def drain(
    *, now: datetime | None = None, timers_on: bool = True, delivery_on: bool = True
) -> tuple[int, int]:
    """Fire every timer and attempt every outbox row due now, then return the counts.

    For ``sladesk worker --once``, cron-style deployments and tests (``now`` replaces the
    database clock there).
    """
    fired = sent = 0
    while True:
        step_fired = timers.fire_due(now=now) if timers_on else 0
        step_sent = outbox.deliver_due(now=now) if delivery_on else 0
        fired, sent = fired + step_fired, sent + step_sent
        if not step_fired and not step_sent:
            return fired, sent


def main(argv: Sequence[str]) -> int:
    """``sladesk worker [--once] [--no-timers] [--no-delivery] [--no-periodic]``."""
    parser = argparse.ArgumentParser(prog="sladesk worker", description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="drain what is due now and exit")
    parser.add_argument("--no-timers", action="store_true", help="do not fire timers")
    parser.add_argument("--no-delivery", action="store_true", help="do not deliver the outbox")
    parser.add_argument("--no-periodic", action="store_true", help="do not run periodic jobs")
    args = parser.parse_args(list(argv))
    if args.once:
        fired, sent = drain(timers_on=not args.no_timers, delivery_on=not args.no_delivery)
        ran = [] if args.no_periodic else periodic.run_due(jobs=periodic.discover())
        print(
            f"sladesk worker: {fired} timers taken, {sent} deliveries attempted, "
            f"{len(ran)} periodic slots run",
            flush=True,
        )
        return 0
    print("sladesk worker: running (Ctrl-C stops)", flush=True)
    run_loops(
        timers_on=not args.no_timers,
        delivery_on=not args.no_delivery,
        periodic_on=not args.no_periodic,
    )
    return 0
