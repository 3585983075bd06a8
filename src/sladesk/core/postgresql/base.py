"""Django's PostgreSQL backend, with psycopg's C ``timestamptz`` loader when the site is UTC.

Django registers its own ``timestamptz`` loader on every connection, a subclass of
psycopg's *pure-Python* `TimestamptzLoader` that then replaces the value's tzinfo with
Django's time zone (Django ticket #36960, psycopg #1273): with the ``psycopg[binary]`` C
extension installed its loader is still never used, and reading a timestamp costs ~10×
more CPU (a page of 50 tickets holds ~360 of them). When Django's time zone is UTC and the
connection's is too (Django sets ``TimeZone`` to ``TIME_ZONE`` on every new connection;
``USE_TZ = True``), the C loader's values are the same — aware datetimes in
``datetime.timezone.utc`` — so this backend registers it instead. Anything else (another
``TIME_ZONE``, no C extension) keeps Django's loader unchanged.

``settings.DATABASES["default"]["ENGINE"] = "sladesk.core.postgresql"`` (the settings pick
it for every ``postgres://`` ``DATABASE_URL``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base, operations
from psycopg import adapters
from psycopg.adapt import Loader
from psycopg.pq import Format

__all__ = ["DatabaseWrapper"]

_TIMESTAMPTZ = adapters.types["timestamptz"].oid
_C_LOADER = adapters.get_loader(_TIMESTAMPTZ, Format.TEXT)
_HAVE_C_LOADER = _C_LOADER is not None and _C_LOADER.__module__.startswith("psycopg_binary")


class UtcTimestamptzLoader(Loader):
    """psycopg's C loader behind the ``timezone`` attribute Django's cursors check.

    `DatabaseWrapper.create_cursor` re-registers Django's loader on a cursor whose
    connection loader's ``timezone`` differs from the connection's; here it is UTC, equal.
    ``load`` is the C loader's bound method (an instance attribute: no Python frame per
    value). The C loader reads the connection's ``TimeZone`` (UTC, see the module).
    """

    timezone = datetime.UTC

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        self._loader = _C_LOADER(oid, context)
        self.load = self._loader.load  # type: ignore[method-assign]

    def load(self, data: Any) -> datetime.datetime:  # shadowed per instance (see class)
        return self._loader.load(data)  # type: ignore[no-any-return]


class DatabaseOperations(operations.DatabaseOperations):
    """Django's, with the compilers of `sladesk.core.postgresql.compiler`."""

    compiler_module = "sladesk.core.postgresql.compiler"


class DatabaseWrapper(base.DatabaseWrapper):
    """Django's PostgreSQL `DatabaseWrapper` with `UtcTimestamptzLoader` (see the module)
    and small bulk inserts as ``VALUES`` rows (`sladesk.core.postgresql.compiler`)."""

    ops_class = DatabaseOperations

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if _HAVE_C_LOADER and settings.USE_TZ and self.timezone == datetime.UTC:
            connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
        return connection
