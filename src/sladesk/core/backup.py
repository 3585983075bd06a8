"""Whole-desk backups: ``sladesk backup PATH`` and ``sladesk restore PATH``.

A backup is one tar file holding

- ``manifest.json``: the format version, the database vendor, when it was taken (UTC);
- ``database.dump`` (PostgreSQL): ``pg_dump --format=custom`` of the database, a
  consistent snapshot taken while the desk keeps running (pg_dump reads in one
  repeatable-read transaction), restored with ``pg_restore --clean --if-exists``;
- ``database.sqlite3`` (SQLite): a copy made with SQLite's online backup API
  (`sqlite3.Connection.backup`), which is consistent even while the web server and the
  worker write (WAL), and restored through the same API into the live database file;
- ``media/``: every uploaded file (``MEDIA_ROOT``: attachments; raw mail lives in the
  database), so the rows that name files find them after a restore.

The database is read first and the files second, so a file a row names is in the backup
unless it was deleted between the two (a file with no row is harmless: the orphan sweep,
`sladesk.core.orphans`, deletes it). A restore replaces the database and writes the
backup's files over ``MEDIA_ROOT`` (files that exist only on disk are left); run it with
the web and worker processes stopped, into the same sladesk version (or migrate after).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["BackupError", "BackupSummary", "backup", "restore"]

FORMAT = 1
_PG_DUMP = "database.dump"
_SQLITE_COPY = "database.sqlite3"
_MEDIA = "media"


class BackupError(Exception):
    """A backup or restore that cannot be done (the message says why)."""


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds (or a restore put back): database vendor and file count."""

    path: Path
    vendor: str
    media_files: int


def _db() -> tuple[str, Mapping[str, Any], Any]:
    from django.db import connection

    return connection.vendor, connection.settings_dict, connection


def _pg_env(settings: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """libpq connection flags and environment for pg_dump / pg_restore (the password goes
    through ``PGPASSWORD``, never the command line)."""
    env = {**os.environ}
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings["PASSWORD"])
    args = ["--dbname", str(settings["NAME"])]
    if settings.get("HOST"):
        args += ["--host", str(settings["HOST"])]
    if settings.get("PORT"):
        args += ["--port", str(settings["PORT"])]
    if settings.get("USER"):
        args += ["--username", str(settings["USER"])]
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return found


def _run(cmd: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(
            f"{Path(cmd[0]).name} failed ({done.returncode}): {done.stderr.strip()[-2000:]}"
        )


def _media_root() -> Path:
    from django.conf import settings

    return Path(settings.MEDIA_ROOT)


def backup(path: str | os.PathLike[str]) -> BackupSummary:
    """Write a backup of the configured database and ``MEDIA_ROOT`` to the tar file ``path``
    (written beside it under a temporary name, then renamed: a crash leaves no half file
    under ``path``)."""
    target = Path(path)
    vendor, settings, connection = _db()
    media = _media_root()
    with tempfile.TemporaryDirectory(prefix="sladesk-backup-") as tmp:
        work = Path(tmp)
        if vendor == "postgresql":
            db_file = work / _PG_DUMP
            args, env = _pg_env(settings)
            _run(
                [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(db_file), *args],
                env,
            )
        elif vendor == "sqlite":
            db_file = work / _SQLITE_COPY
            connection.ensure_connection()
            with sqlite3.connect(db_file) as copy:
                connection.connection.backup(copy)
            copy.close()
        else:
            raise BackupError(f"backups support PostgreSQL and SQLite, not {vendor}")
        manifest = {"format": FORMAT, "vendor": vendor, "taken_at": datetime.now(UTC).isoformat()}
        (work / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
        partial = target.with_name(f".{target.name}.partial")
        count = 0
        with tarfile.open(partial, "w") as tar:
            tar.add(work / "manifest.json", arcname="manifest.json")
            tar.add(db_file, arcname=db_file.name)
            if media.is_dir():
                for file in sorted(p for p in media.rglob("*") if p.is_file()):
                    tar.add(file, arcname=f"{_MEDIA}/{file.relative_to(media).as_posix()}")
                    count += 1
        partial.replace(target)
    return BackupSummary(target, vendor, count)


def _manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile("manifest.json")
    except KeyError:
        raise BackupError("not a sladesk backup: no manifest.json") from None
    if member is None:
        raise BackupError("not a sladesk backup: manifest.json is not a file")
    manifest: dict[str, Any] = json.loads(member.read())
    if manifest.get("format") != FORMAT:
        raise BackupError(
            f"unknown backup format {manifest.get('format')!r} (this sladesk reads {FORMAT})"
        )
    return manifest


def restore(path: str | os.PathLike[str]) -> BackupSummary:
    """Put the backup at ``path`` back: replace the configured database with its copy and
    write its files into ``MEDIA_ROOT``. The database must be of the vendor the backup was
    taken from. Members are extracted with tarfile's ``data`` filter (no absolute paths,
    no ``..``, no links out of the target, no device files)."""
    source = Path(path)
    if not source.is_file():
        raise BackupError(f"{source} does not exist")
    vendor, settings, connection = _db()
    media = _media_root()
    with (
        tempfile.TemporaryDirectory(prefix="sladesk-restore-") as tmp,
        tarfile.open(source, "r") as tar,
    ):
        work = Path(tmp)
        manifest = _manifest(tar)
        if manifest["vendor"] != vendor:
            raise BackupError(
                f"the backup is of a {manifest['vendor']} database; this desk runs on {vendor}"
            )
        db_name = _PG_DUMP if vendor == "postgresql" else _SQLITE_COPY
        tar.extract(db_name, work, filter="data")
        files = [m for m in tar.getmembers() if m.name.startswith(f"{_MEDIA}/") and m.isfile()]
        tar.extractall(work, members=files, filter="data")
        connection.close()
        if vendor == "postgresql":
            args, env = _pg_env(settings)
            _run(
                [
                    _tool("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    *args,
                    str(work / db_name),
                ],
                env,
            )
        else:
            connection.ensure_connection()
            with sqlite3.connect(work / db_name) as copy:
                copy.backup(connection.connection)
            copy.close()
        for member in files:
            relative = Path(member.name).relative_to(_MEDIA)
            dest = media / relative
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(work / member.name, dest)
    return BackupSummary(source, vendor, len(files))
