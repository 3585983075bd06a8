"""Orphaned attachment files: the sweep that deletes what a dead transaction left.

A file is written before its `Attachment` row commits
(`sladesk.tickets.services.attachments`), after a *pending marker* naming it; the commit
deletes the marker, a rollback deletes file and marker. A process killed in between (or
a machine lost) leaves both behind. `sweep_orphan_files` reads every marker older than
``older_than`` — longer than any transaction that writes files lasts — and deletes the
file it names unless a committed row references it, then the marker. Running it twice, or
in two workers at once, is harmless (deleting a missing file is a no-op). The notify
layer's scheduler runs it (``tickets.orphan_files`` in `sladesk.notify.jobs`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.core.files.storage import Storage, default_storage
from django.utils import timezone

from .models import Attachment
from .services.attachments import PENDING_DIR

__all__ = ["ORPHAN_AGE", "SweepResult", "sweep_orphan_files"]

logger = logging.getLogger(__name__)

#: A marker this old belongs to a transaction that is over (committed markers are deleted
#: at commit): one hour, far beyond the longest transaction that writes files.
ORPHAN_AGE = timedelta(hours=1)


@dataclass(frozen=True)
class SweepResult:
    """What one sweep did: files deleted (no row), files kept (committed, marker left by
    a crash after the commit), markers still too young to judge."""

    deleted: int = 0
    kept: int = 0
    young: int = 0


def sweep_orphan_files(
    older_than: timedelta = ORPHAN_AGE, storage: Storage | None = None
) -> SweepResult:
    """Delete the files of pending markers older than ``older_than`` that no `Attachment`
    references, and those markers (file modification times, the host's clock)."""
    storage = storage or default_storage
    try:
        _, markers = storage.listdir(PENDING_DIR)
    except FileNotFoundError:
        return SweepResult()
    cutoff = timezone.now() - older_than
    old: dict[str, str] = {}
    young = 0
    for marker in markers:
        path = f"{PENDING_DIR}/{marker}"
        try:
            if storage.get_modified_time(path) > cutoff:
                young += 1
                continue
            with storage.open(path) as handle:
                old[path] = handle.read().decode()
        except FileNotFoundError:
            continue  # committed or swept meanwhile
    referenced = set(
        Attachment.objects.filter(file__in=set(old.values())).values_list("file", flat=True)
    )
    deleted = 0
    for path, name in old.items():
        if name not in referenced:
            storage.delete(name)
            deleted += 1
            logger.info("deleted orphaned file %s (its transaction never committed)", name)
        storage.delete(path)
    return SweepResult(deleted=deleted, kept=len(old) - deleted, young=young)
