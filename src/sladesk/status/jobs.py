"""The status page's periodic jobs (`sladesk.core.periodic`).

=====================  =========  =====================================================
job                    every      what
=====================  =========  =====================================================
``status.maintenance`` 15 s       `services.apply_maintenance`: components in and out of
                                  maintenance at the windows' exact edges
``status.checks``      5 s        `services.run_checks`: the due HTTP / TCP / heartbeat
                                  checks (each at its own ``every_seconds``)
=====================  =========  =====================================================
"""

from __future__ import annotations

from datetime import timedelta

from sladesk.core.periodic import periodic

from .services import apply_maintenance, run_checks

__all__ = ["checks", "maintenance"]


@periodic("status.maintenance", every=timedelta(seconds=15))
def maintenance() -> int:
    return apply_maintenance()


@periodic("status.checks", every=timedelta(seconds=5))
def checks() -> int:
    return run_checks()
