"""gunicorn settings for serving sladesk: ``gunicorn -c python:sladesk.gunicorn_conf sladesk.wsgi``.

This file carries the serving defaults, so that command alone serves well; the bind
address and anything else come from the command line as usual, and the command line
(``--workers 3``, ``--threads 2``) always wins over what is set here.

- ``worker_class = "gthread"``: keeps connections alive (the sync worker closes every
  connection after one response).
- ``workers`` and ``threads``: 2 x cores + 1 processes (gunicorn's rule of thumb) of 1
  thread each, 5 x 1 on 2 cores. A request holds its worker's GIL only while Python
  runs; while it waits on PostgreSQL the GIL idles, so on few cores more processes (not
  more threads per process) are what keep the cores busy: ``docs/architecture.md`` has
  the measurements the numbers come from. Override with
  ``SLADESK_WEB_WORKERS`` / ``SLADESK_WEB_THREADS`` (or gunicorn's ``WEB_CONCURRENCY``
  for the workers) in the environment, or ``--workers`` / ``--threads``.
- ``preload_app = True``: the master imports the app once and the workers share its
  memory; it is also what the GC settings below rely on.

With ``preload_app`` (``--preload``) the master
imports the app and loads the policy files, then, before forking the workers:

- ``gc.freeze()`` moves every object that exists at that point (Django, DRF, the URL
  resolver, the parsed policies: ~110,000-130,000 objects) to the permanent generation.
  A full (generation 2) collection otherwise walks all of them: 80-150 ms with the GIL
  held on the 2-core benchmark VM, which every request in flight on that worker waits
  for, and which lands in the p99 of any run longer than a few seconds. Frozen objects are
  also never written by the collector, so the forked workers keep sharing those memory pages.
- Generations 0 and 1 are kept small (thresholds 5,000 and 2): each API request leaves
  a few hundred objects in reference cycles (DRF's serializer fields and their parent,
  request, view and response), so those objects wait for the collector, and a
  collection's pause grows with how many are waiting. With generation 0 at 50,000 a
  collection freed 34,000-42,000 objects in 65-106 ms with the GIL held (a GC log in
  the workers during ``benchmarks/api_load.py``), which was the list's p99 at low load;
  at 5,000 with generation 1 every second pass, pauses stay at a few ms and the 1M-ticket
  list met p99 < 30 ms over 30 s (66/s). Objects of requests still in flight survive to
  generation 1 and are freed there, one small pass later.

Each worker does the same once it has loaded the app (``post_worker_init``): without
``--preload`` that is where the app is imported; with it, it freezes what the fork added.
"""

from __future__ import annotations

import gc
import os
from typing import Any

__all__ = [
    "GC_THRESHOLDS",
    "default_threads",
    "default_workers",
    "post_worker_init",
    "preload_app",
    "threads",
    "when_ready",
    "worker_class",
    "workers",
]

#: workers = WORKERS_PER_CORE x cores + EXTRA_WORKERS, each with THREADS threads.
WORKERS_PER_CORE = 2
EXTRA_WORKERS = 1
THREADS = 1

#: (generation 0, 1, 2) thresholds for the server processes.
GC_THRESHOLDS = (5_000, 2, 100)


def cores() -> int:
    """CPUs this process may run on (its affinity mask, else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_workers(n_cores: int) -> int:
    """Worker processes for ``n_cores`` CPUs when nothing in the environment says."""
    return WORKERS_PER_CORE * n_cores + EXTRA_WORKERS


def _env_int(*names: str) -> int | None:
    for name in names:
        value = os.environ.get(name, "").strip()
        if value:
            return int(value)
    return None


def default_threads() -> int:
    """Threads per worker: ``SLADESK_WEB_THREADS`` if set, else ``THREADS``."""
    return _env_int("SLADESK_WEB_THREADS") or THREADS


worker_class = "gthread"
preload_app = True
workers = _env_int("SLADESK_WEB_WORKERS", "WEB_CONCURRENCY") or default_workers(cores())
threads = default_threads()


def _settle() -> None:
    """Load what every worker will need, collect what startup left, freeze the rest."""
    from django.apps import apps

    if apps.ready:
        from sladesk.core.policies import available_policies

        available_policies()  # parse every policy file once, before the fork
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def when_ready(server: Any) -> None:
    """gunicorn hook, in the master once it listens (after ``--preload`` imported the app)."""
    _settle()


def post_worker_init(worker: Any) -> None:
    """gunicorn hook, in each worker once it has loaded the app."""
    _settle()
