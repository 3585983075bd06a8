"""``<id:name>`` in URL patterns: a row id, 1 to 2**63 - 1 (a 64-bit signed integer).

Django's ``<int:...>`` takes any run of digits, and a 20-digit one reaches the database:
SQLite cannot bind it (OverflowError) and PostgreSQL refuses it for a bigint column — a
500 for what is simply a page that does not exist. With ``<id:...>`` such a path does
not match, so it is a 404 before any query. Registered when the core app loads
(`sladesk.core.apps.CoreConfig.ready`).
"""

from __future__ import annotations

from django.urls import register_converter
from django.urls.converters import get_converters

__all__ = ["MAX_ID", "IdConverter", "register"]

#: The largest id a row can have (PostgreSQL's bigint, SQLite's INTEGER).
MAX_ID = 2**63 - 1


class IdConverter:
    """1 to 19 digits whose value is a possible row id (see the module)."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(f"{value} is not a row id")  # no match: 404
        return number

    def to_url(self, value: int) -> str:
        return str(int(value))


def register() -> None:
    """Make ``<id:...>`` available to every URL configuration (once)."""
    if "id" not in get_converters():
        register_converter(IdConverter, "id")
