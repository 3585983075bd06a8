"""The email channel's name for the process-wide SQLite writer queue, which lives in
`sladesk.core.dblock` (shared with the notify worker's loops)."""

from __future__ import annotations

from sladesk.core.dblock import refresh_connection, sqlite_writer

__all__ = ["refresh_connection", "sqlite_writer"]
