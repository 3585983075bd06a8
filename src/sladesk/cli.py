"""The ``sladesk`` command: ``sladesk sla ...`` runs the framework-free SLA tools; any other
subcommand (``run``, ``worker``, ``manage`` ...) goes to the server, imported only then so
``sladesk sla`` works without Django installed.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

__all__ = ["main"]

_USAGE = """usage: sladesk sla {due,check} ...   (support-policy deadlines and validation)
       sladesk run | worker | backup PATH | restore PATH | manage ...   (the server)
       sladesk --version"""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sladesk`` console script; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(_USAGE)
        return 0 if args else 2
    if args[0] in ("--version", "-V", "version"):
        print(f"sladesk {_version()}")
        return 0
    if args[0] == "sla":
        from .sla.cli import main as sla_main

        return sla_main(args[1:])
    try:
        server = importlib.import_module("sladesk.server_cli")
    except ModuleNotFoundError as exc:
        if exc.name not in ("sladesk.server_cli", "django"):
            raise
        sys.stderr.write("the server is not installed\n")
        return 2
    code = server.main(args)
    return int(code or 0)


def _version() -> str:
    """The installed distribution's version (the source tree's when run uninstalled)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sladesk")
    except PackageNotFoundError:
        return "unknown (not installed)"


if __name__ == "__main__":
    raise SystemExit(main())
