"""Periodic jobs: each slot runs once, whatever the number of workers.

A job is a function registered with `periodic`::

    @periodic("notify.prune", every=timedelta(hours=1))
    def prune_old_rows() -> None: ...

Registrations live in a ``jobs`` module of any installed app (``sladesk/notify/jobs.py``,
``sladesk/intake/jobs.py``), imported by `discover`.

**Slots.** Time is cut into half-open intervals ``[s, s + every)`` aligned on ``every``
since the Unix epoch (UTC); the slot is named by its start ``s`` and becomes due at ``s``,
read on the *database's* clock. A worker claims a slot by inserting the
`~sladesk.core.models.PeriodicRun` row (``job``, ``slot``): the unique constraint lets
exactly one insert succeed, so with any number of workers each slot runs once.

**Catch-up.** A worker looks at the newest recorded slot of each job and claims every slot
since, oldest first — so none is skipped while some worker runs — but after downtime at
most the job's ``catch_up`` newest ones (default the ``catch_up`` setting, 3): the older
missed slots are recorded ``skipped``. A job never seen before starts at the
current slot (no back-fill of history).

**Leases.** A claim holds for ``lease`` seconds (default 120) and is renewed every
third of that by a heartbeat while the job runs. If the worker dies mid-run its row stays
``running`` and its lease lapses; the next worker to look (`reclaim_expired`, part of every
`run_due` / `PeriodicRunner.tick`) takes the slot over with a conditional update that bumps
``attempt`` and runs it again — once per slot: a slot whose second attempt also lapses is
recorded ``failed`` ("abandoned"). ``attempt`` fences the outcome: a worker that was only
slow, not dead, records nothing once its slot was taken over. So a slot runs at least once
and at most twice; jobs must be safe to run twice (IMAP polling and pruning are).

**Isolation.** Jobs run in their own thread pool (`PeriodicRunner`,
``threads`` threads), never in the timer or delivery loops, so a long job cannot
delay a due timer; a job whose previous slot is still running in this process is not
claimed again until it finishes (its missed slots are then caught up within the bound).
A job's outcome (``done``/``failed`` with the error) is recorded on its row.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, connection, transaction
from django.utils.module_loading import autodiscover_modules

from .database import db_now
from .models import PeriodicRun, PeriodicRunState

__all__ = [
    "REGISTRY",
    "JobsConf",
    "PeriodicJob",
    "PeriodicRunner",
    "claim_due",
    "conf",
    "discover",
    "periodic",
    "reclaim_expired",
    "run_due",
    "slot_of",
]

logger = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Unique per process (host and pid repeat across container restarts).
WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
#: Attempts per slot: the first, and one re-run after the first worker died.
MAX_ATTEMPTS = 2


@dataclass(frozen=True)
class JobsConf:
    """The scheduler's settings."""

    #: Threads running periodic jobs in each worker (apart from its other loops).
    threads: int = 2
    #: After downtime at most this many missed slots of a job run; older ones: skipped.
    catch_up: int = 3
    #: A claimed slot belongs to its worker this long (seconds), renewed every third of it
    #: while the job runs; once it lapses (the worker died) another worker re-runs it, once.
    lease: float = 120.0
    #: Finished slot rows (done, skipped) are kept this many days, failed ones four times
    #: as long; a job's newest row is always kept (catch-up starts from it).
    keep_days: float = 7.0


def conf() -> JobsConf:
    """``settings.SLADESK_JOBS[<name>]``, else ``SLADESK_JOBS_<NAME>`` in the environment,
    else the names these settings had under the notify layer
    (``SLADESK_NOTIFY["periodic_<name>"]``, ``SLADESK_NOTIFY_PERIODIC_<NAME>``), else the
    defaults. Read on every call (cheap), so tests can override the settings."""
    jobs: dict[str, Any] = getattr(settings, "SLADESK_JOBS", {}) or {}
    notify: dict[str, Any] = getattr(settings, "SLADESK_NOTIFY", {}) or {}
    values: dict[str, Any] = {}
    for f in fields(JobsConf):
        raw = jobs.get(f.name, os.environ.get(f"SLADESK_JOBS_{f.name.upper()}"))
        if raw is None:
            old = f"periodic_{f.name}"
            raw = notify.get(old, os.environ.get(f"SLADESK_NOTIFY_{old.upper()}"))
        if raw is not None:
            values[f.name] = type(f.default)(raw)
    return JobsConf(**values)


@dataclass(frozen=True)
class PeriodicJob:
    """A registered job: ``run`` once per ``every``; at most ``catch_up`` missed slots
    are run after downtime (None: the ``catch_up`` setting)."""

    name: str
    every: timedelta
    run: Callable[[], object]
    catch_up: int | None = None

    def bound(self) -> int:
        return max(1, conf().catch_up if self.catch_up is None else self.catch_up)


#: Job name -> job. Filled by `periodic` when the ``jobs`` modules are imported.
REGISTRY: dict[str, PeriodicJob] = {}


def periodic(
    name: str, *, every: timedelta, catch_up: int | None = None
) -> Callable[[Callable[[], object]], Callable[[], object]]:
    """Register the decorated function as the periodic job ``name`` (re-registering a name
    replaces it: module reloads and tests)."""
    if every <= timedelta(0):
        raise ValueError("a periodic job needs a positive interval")

    def register(func: Callable[[], object]) -> Callable[[], object]:
        REGISTRY[name] = PeriodicJob(name, every, func, catch_up)
        return func

    return register


def discover() -> dict[str, PeriodicJob]:
    """Import the ``jobs`` module of every installed app; the registry they fill."""
    autodiscover_modules("jobs")
    return REGISTRY


def slot_of(every: timedelta, at: datetime) -> datetime:
    """The start of the slot containing ``at``: ``s <= at < s + every``, ``s`` a whole
    number of ``every`` since the Unix epoch (UTC)."""
    return _EPOCH + every * ((at - _EPOCH) // every)


def _lease() -> timedelta:
    return timedelta(seconds=conf().lease)


def _claim(job: PeriodicJob, slot: datetime, moment: datetime) -> bool:
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(
                job=job.name,
                slot=slot,
                worker=WORKER_NAME[:100],
                started_at=moment,
                lease_until=moment + _lease(),
            )
    except IntegrityError:  # another worker has this slot
        return False
    return True


def claim_due(job: PeriodicJob, now: datetime | None = None) -> list[datetime]:
    """Claim this job's due slots not yet taken; returns the slots this worker must run,
    oldest first. Missed slots beyond the catch-up bound are recorded ``skipped``."""
    moment = now or db_now()
    current = slot_of(job.every, moment)
    last = (
        PeriodicRun.objects.filter(job=job.name)
        .order_by("-slot")
        .values_list("slot", flat=True)
        .first()
    )
    if last is not None and last >= current:
        return []
    first = current if last is None else last + job.every
    missed = int((current - first) // job.every) + 1
    keep = job.bound()
    if missed > keep:
        start = current - job.every * (keep - 1)
        skipped = [first + job.every * i for i in range(missed - keep)]
        PeriodicRun.objects.bulk_create(
            [
                PeriodicRun(
                    job=job.name,
                    slot=s,
                    state=PeriodicRunState.SKIPPED,
                    worker=WORKER_NAME[:100],
                    finished_at=moment,
                )
                for s in skipped
            ],
            ignore_conflicts=True,
        )
        logger.warning(
            "periodic %s: %s missed slots skipped (catch-up bound %s)", job.name, len(skipped), keep
        )
        first = start
    slots = [first + job.every * i for i in range(int((current - first) // job.every) + 1)]
    return [s for s in slots if _claim(job, s, moment)]


def reclaim_expired(job: PeriodicJob, now: datetime | None = None) -> list[tuple[datetime, int]]:
    """Take over this job's ``running`` slots whose lease has lapsed (their worker died):
    returns the (slot, attempt) pairs this worker must run again, oldest first. A slot
    already on its last attempt is recorded ``failed`` instead. Each takeover is one
    conditional update, so of many workers looking at once exactly one wins."""
    moment = now or db_now()
    lapsed = list(
        PeriodicRun.objects.filter(
            job=job.name, state=PeriodicRunState.RUNNING, lease_until__lt=moment
        )
        .order_by("slot")
        .values_list("pk", "slot", "attempt", "worker")
    )
    taken: list[tuple[datetime, int]] = []
    for pk, slot, attempt, worker in lapsed:
        mine = PeriodicRun.objects.filter(pk=pk, state=PeriodicRunState.RUNNING, attempt=attempt)
        if attempt >= MAX_ATTEMPTS:
            mine.update(
                state=PeriodicRunState.FAILED,
                finished_at=moment,
                error=f"abandoned: the worker died during attempt {attempt} of {MAX_ATTEMPTS}",
            )
            logger.error(
                "periodic %s (slot %s) abandoned after %s attempts",
                job.name,
                slot.isoformat(),
                attempt,
            )
            continue
        won = mine.update(
            attempt=attempt + 1,
            worker=WORKER_NAME[:100],
            started_at=moment,
            lease_until=moment + _lease(),
        )
        if won:
            logger.warning(
                "periodic %s (slot %s): lease of %s lapsed; running it again",
                job.name,
                slot.isoformat(),
                worker,
            )
            taken.append((slot, attempt + 1))
    return taken


class _Heartbeat:
    """Renews a running slot's lease every third of the lease while its job runs
    (its own thread and database connection)."""

    def __init__(self, job: PeriodicJob, slot: datetime, attempt: int) -> None:
        self.row = PeriodicRun.objects.filter(
            job=job.name, slot=slot, attempt=attempt, state=PeriodicRunState.RUNNING
        )
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._beat, daemon=True, name="sladesk-lease")

    def _beat(self) -> None:
        lease = _lease()
        try:
            while not self.stop.wait(lease.total_seconds() / 3):
                try:
                    self.row.update(lease_until=db_now() + lease)
                except Exception:  # a missed renewal only shortens the lease
                    logger.exception("periodic lease renewal failed")
        finally:
            connection.close()

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


def _run(job: PeriodicJob, slot: datetime, attempt: int = 1) -> bool:
    """Run one claimed slot and record its outcome — only if this worker still holds
    ``attempt`` (it was not taken over meanwhile); True when it succeeded."""
    error = ""
    with _Heartbeat(job, slot, attempt):
        try:
            job.run()
        except Exception as exc:  # recorded on the row and logged; the next slot runs anyway
            logger.exception("periodic %s (slot %s) failed", job.name, slot.isoformat())
            error = f"{type(exc).__name__}: {exc}"[:2000]
    recorded = PeriodicRun.objects.filter(job=job.name, slot=slot, attempt=attempt).update(
        state=PeriodicRunState.FAILED if error else PeriodicRunState.DONE,
        finished_at=db_now(),
        error=error,
    )
    if not recorded:
        logger.warning(
            "periodic %s (slot %s): taken over by another worker; outcome dropped",
            job.name,
            slot.isoformat(),
        )
    return not error


def _due(job: PeriodicJob, moment: datetime | None) -> list[tuple[datetime, int]]:
    """Slots to run now: lapsed ones taken over (oldest first), then new ones."""
    return [*reclaim_expired(job, moment), *((s, 1) for s in claim_due(job, moment))]


def run_due(
    now: datetime | None = None, *, jobs: dict[str, PeriodicJob] | None = None
) -> list[tuple[str, datetime]]:
    """Claim and run every due slot here, one after another (``sladesk worker --once``,
    cron-style deployments and tests), including slots whose worker died (`reclaim_expired`);
    returns the (job, slot) pairs this call ran."""
    done = []
    for job in list((REGISTRY if jobs is None else jobs).values()):
        for slot, attempt in _due(job, now):
            _run(job, slot, attempt)
            done.append((job.name, slot))
    return done


class PeriodicRunner:
    """The periodic loop of a worker: claims due slots about once a second and runs them
    in its own thread pool, so jobs never share a thread with the timer loop."""

    def __init__(
        self, jobs: dict[str, PeriodicJob] | None = None, threads: int | None = None
    ) -> None:
        self.jobs = REGISTRY if jobs is None else jobs
        self.pool = ThreadPoolExecutor(
            max_workers=threads or conf().threads, thread_name_prefix="sladesk-periodic"
        )
        self.running: dict[str, Future[None]] = {}
        self.next_at: dict[str, datetime] = {}  # no slot of the job is due before this
        self.lock = threading.Lock()

    def _job_thread(self, job: PeriodicJob, slots: list[tuple[datetime, int]]) -> None:
        try:
            for slot, attempt in slots:
                _run(job, slot, attempt)
        finally:
            close_old_connections()
            connection.close()

    def tick(self) -> int:
        """Claim the due slots of every job not running here; returns how many were claimed."""
        with self.lock:
            self.running = {n: f for n, f in self.running.items() if not f.done()}
            idle = [job for name, job in list(self.jobs.items()) if name not in self.running]
        if not idle:
            return 0
        moment = db_now()
        claimed = 0
        for job in idle:
            if moment < self.next_at.get(job.name, moment):
                continue
            # Look again at the next slot, or sooner to take over a lapsed lease.
            recheck = moment + min(job.every, _lease())
            self.next_at[job.name] = min(slot_of(job.every, moment) + job.every, recheck)
            slots = _due(job, moment)
            if slots:
                claimed += len(slots)
                with self.lock:
                    self.running[job.name] = self.pool.submit(self._job_thread, job, slots)
        return claimed

    def shutdown(self, wait: bool = False) -> None:
        self.pool.shutdown(wait=wait, cancel_futures=True)
