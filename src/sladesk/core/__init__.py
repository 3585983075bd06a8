"""Cross-cutting helpers below every app: the time source (`now`, `sladesk.core.time`), the
database's clock and writer queue (`sladesk.core.database`), the periodic-job scheduler
(`sladesk.core.periodic`), the policy registry, bulk writes."""

from .time import now

__all__ = ["now"]
