"""The server half of the ``sladesk`` command (``sladesk.cli`` hands every non-``sla``
subcommand here).

- ``sladesk run [ADDR:PORT]``: migrate, load the demo desk when the database has none,
  print the URL and the demo logins, serve on ``127.0.0.1:8000`` (``SLADESK_BIND``) with
  Django's threaded development server (no autoreload). Background work that exists
  (``sladesk.notify.worker.start_in_thread``) is started in the same process, and the email
  channel: SMTP on ``127.0.0.1:2525`` (``SLADESK_SMTP_BIND``), IMAP polling, processing.
- ``sladesk worker [--once]``: the timer and delivery workers without the web server
  (`sladesk.notify.worker`); several may run at once on PostgreSQL.
- ``sladesk backup PATH`` / ``sladesk restore PATH``: the database and ``MEDIA_ROOT`` in one
  tar file (`sladesk.core.backup`; pg_dump/pg_restore on PostgreSQL, SQLite's online backup
  API on SQLite).
- ``sladesk sla replay ...``: what-if replay of past tickets under another policy
  (`sladesk.reports.cli`; the rest of ``sladesk sla`` runs without Django).
- ``sladesk manage ARGS...``: Django's ``manage.py`` (``sladesk manage createsuperuser`` ...).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from importlib.util import find_spec

__all__ = ["backup_or_restore", "link_base", "main"]

_USAGE = (
    "usage: sladesk run [ADDR:PORT] | sladesk worker [--once] | sladesk backup PATH\n"
    "       | sladesk restore PATH | sladesk manage <django command> ..."
)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sladesk.settings")
    import django

    django.setup()


def main(argv: Sequence[str]) -> int:
    """Dispatch ``run`` / ``manage``; returns the exit status."""
    args = list(argv)
    if not args:
        print(_USAGE)
        return 2
    command, rest = args[0], args[1:]
    if command == "manage":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sladesk.settings")
        from django.core.management import execute_from_command_line

        execute_from_command_line(["sladesk manage", *rest])
        return 0
    if command == "run":
        return run(rest)
    if command in ("backup", "restore"):
        return backup_or_restore(command, rest)
    if command == "sla" and rest[:1] == ["replay"]:
        _setup()
        from sladesk.reports.cli import main as replay_main

        return replay_main(rest[1:])
    if command == "worker":
        _setup()
        from sladesk.notify.worker import main as worker_main

        return worker_main(rest)
    sys.stderr.write(f"unknown command {command!r}\n{_USAGE}\n")
    return 2


def backup_or_restore(command: str, rest: Sequence[str]) -> int:
    """``sladesk backup PATH`` / ``sladesk restore PATH``; 0 on success, 1 with the reason
    on stderr when it cannot be done, 2 for a wrong command line."""
    if len(rest) != 1 or rest[0].startswith("-"):
        sys.stderr.write(f"sladesk {command} takes one PATH (a .tar file)\n{_USAGE}\n")
        return 2
    _setup()
    from sladesk.core.backup import BackupError, backup, restore

    try:
        summary = (backup if command == "backup" else restore)(rest[0])
    except BackupError as exc:
        sys.stderr.write(f"sladesk {command}: {exc}\n")
        return 1
    verb = "backed up to" if command == "backup" else "restored from"
    print(
        f"sladesk: {summary.vendor} database and {summary.media_files} file(s) "
        f"{verb} {summary.path}"
    )
    return 0


def run(rest: Sequence[str]) -> int:
    """Migrate, load the demo desk if empty, print how to log in, serve.

    ``-h``/``--help`` prints the usage (0); an option or more than one address is refused
    with it (2) — both before anything is migrated, loaded or started."""
    if any(arg in ("-h", "--help") for arg in rest):
        print(_USAGE)
        return 0
    if len(rest) > 1 or any(arg.startswith("-") for arg in rest):
        sys.stderr.write(f"sladesk run takes one ADDR:PORT, got {' '.join(rest)!r}\n{_USAGE}\n")
        return 2
    _setup()
    from django.conf import settings
    from django.core.management import call_command

    from sladesk.demo import data

    bind = rest[0] if rest else settings.SLADESK_BIND
    db = settings.DATABASES["default"]
    print(f"sladesk: database {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    data.load(stdout=lambda line: print(f"sladesk: {line}", flush=True))
    link_base(bind)
    _start_mail_sink(settings)
    _start_background()
    url = f"http://{bind}/"
    print(f"\nsladesk is serving on {url}  (admin: {url}admin/, API: {url}api/v1/)")
    print("demo logins:")
    for login in data.logins():
        print(f"  {login.role:<8} {login.username:<11} / {login.password:<6} {login.note}")
    print("Ctrl-C stops the server.\n", flush=True)
    call_command("runserver", bind, use_reloader=False, skip_checks=True)
    return 0


def link_base(bind: str) -> str:
    """The base URL of links in notifications (ticket pages, page acknowledgements): the
    configured ``public_url`` (``SLADESK_NOTIFY["public_url"]`` or
    ``SLADESK_NOTIFY_PUBLIC_URL``), else the address being served, so that
    ``sladesk run 127.0.0.1:8301`` mails links to port 8301 rather than the default 8000
    (an unspecified host, ``0.0.0.0`` or ``[::]``, is written as ``127.0.0.1``). Returns it."""
    from django.conf import settings

    configured = (getattr(settings, "SLADESK_NOTIFY", None) or {}).get("public_url")
    if configured or os.environ.get("SLADESK_NOTIFY_PUBLIC_URL"):
        from sladesk.notify.conf import conf

        return conf().public_url
    host, _, port = bind.rpartition(":")
    if host in ("", "0.0.0.0", "[::]", "::"):
        host = "127.0.0.1"
    os.environ["SLADESK_NOTIFY_PUBLIC_URL"] = url = f"http://{host}:{port}"
    return url


def _start_mail_sink(settings: object) -> None:
    """Without an outbound SMTP server configured, deliver the demo's mail to ``var/sent-mail/``."""
    if os.environ.get("SLADESK_EMAIL_HOST"):
        return
    from sladesk.demo.mailsink import start_mail_sink

    sink = start_mail_sink(settings.VAR_DIR / "sent-mail")  # type: ignore[attr-defined]
    settings.EMAIL_HOST, settings.EMAIL_PORT = sink.hostname, sink.port  # type: ignore[attr-defined]
    if not os.environ.get("SLADESK_EMAIL_BACKEND"):
        # Django's own mail (password reset, sign-in invitations) goes to the sink too,
        # so "an invitation was mailed" is true in the demo, not only printed.
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # type: ignore[attr-defined]
    print(
        f"sladesk: outbound mail is written to {sink.directory}/ (set SLADESK_EMAIL_HOST to send)",
        flush=True,
    )


def _start_background() -> None:
    """Start the in-process background worker when the notify layer provides one."""
    if find_spec("sladesk.notify") is None or find_spec("sladesk.notify.worker") is None:
        return
    from importlib import import_module

    worker = import_module("sladesk.notify.worker")
    start = getattr(worker, "start_in_thread", None)
    if start is not None:
        start()
    _start_email()


def _start_email() -> None:
    """The email channel: load ``SLADESK_EMAIL["routes_file"]`` if set, then process stored
    mail, poll IMAP and serve SMTP on ``SLADESK_SMTP_BIND`` (``sladesk.intake.worker``)."""
    from sladesk.intake.conf import conf
    from sladesk.intake.routing import load_routes
    from sladesk.intake.worker import start_in_thread

    cfg = conf()
    if cfg.routes_file:
        addresses, mailboxes = load_routes(cfg.routes_file)
        print(
            f"sladesk: email routes: {addresses} address(es), {mailboxes} IMAP mailbox(es)",
            flush=True,
        )
    worker = start_in_thread()
    if worker.smtp is not None:
        print(
            f"sladesk: SMTP on {worker.smtp.hostname}:{worker.smtp.port} for {cfg.domains}",
            flush=True,
        )
