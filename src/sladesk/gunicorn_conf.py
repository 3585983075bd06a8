"""gunicorn settings for serving sladesk: ``gunicorn -c python:sladesk.gunicorn_conf sladesk.wsgi``.

Only the garbage collector is tuned here; workers, threads, the bind address and the
rest come from the command line as usual. With ``--preload`` (recommended) the master
imports the app and loads the policy files, then, before forking the workers:

- ``gc.freeze()`` moves every object that exists at that point (Django, DRF, the URL
  resolver, the parsed policies: ~110,000-130,000 objects) to the permanent generation.
  A full (generation 2) collection otherwise walks all of them: 80-150 ms with the GIL
  held on the 2-core benchmark VM, which every request in flight on that worker waits
  for, and which lands in the p99 of any run longer than a few seconds. Frozen objects are also never
  written by the collector, so the forked workers keep sharing those memory pages.
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
from typing import Any

__all__ = ["GC_THRESHOLDS", "post_worker_init", "when_ready"]

#: (generation 0, 1, 2) thresholds for the server processes.
GC_THRESHOLDS = (5_000, 2, 100)


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
