"""Pieces of the soak test (`test_soak.py`): a private PostgreSQL cluster, the desk's
processes, and loopback receivers that record when each request arrived.

Everything listens on 127.0.0.1 (PostgreSQL also on a unix socket in its own temporary
directory); nothing touches the machine's shared PostgreSQL server.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

__all__ = ["Arrival", "Desk", "PrivateCluster", "TimedReceiver", "free_port"]

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pg_bindir() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    return Path(found[-1]).parent if found else None


class PrivateCluster:
    """A PostgreSQL cluster of the soak test's own: ``initdb`` into ``root/data``, served on
    its own port and a unix socket in ``root``; run as the ``postgres`` system user when
    the test runs as root (PostgreSQL refuses root)."""

    def __init__(self) -> None:
        bindir = _pg_bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL server binaries not found (/usr/lib/postgresql/*/bin)")
        # its own directory straight under the temporary directory: the postgres user must
        # reach it (pytest's tmp_path lies under a directory only root may enter)
        self.root = Path(tempfile.mkdtemp(prefix="sladesk-soak-pg-"))
        self.bindir, self.port = bindir, free_port()
        self.data, self.log = self.root / "data", self.root / "postgres.log"

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run(
            [*prefix, *args], capture_output=True, text=True, timeout=120, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"{Path(args[0]).name} failed: {done.stdout[-1000:]} {done.stderr[-2000:]}"
            )

    def start(self) -> PrivateCluster:
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200 "
            "-c fsync=off -c shared_buffers=64MB"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self._run(
            str(self.bindir / "createdb"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "soak",
        )
        return self

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/soak"

    def restart(self) -> None:
        """A fast restart: every connection is cut, committed work is kept."""
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-m",
            "fast",
            "-w",
            "-t",
            "60",
            "restart",
        )

    def stop(self) -> None:
        """Stop the cluster and delete its directory."""
        with contextlib.suppress(RuntimeError, subprocess.SubprocessError):
            self._run(
                str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"
            )
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass(frozen=True)
class Arrival:
    """One request a receiver got: when (``time.time()``), its headers and JSON body."""

    at: float
    headers: dict[str, str]
    body: dict[str, Any]


class TimedReceiver:
    """A loopback HTTP receiver answering 200 to every POST, ``delay`` seconds after it
    recorded its `Arrival` (a slow receiver keeps deliveries in flight, so a killed worker
    is likely to die mid-delivery)."""

    def __init__(self, delay: float = 0.0) -> None:
        self.arrivals: list[Arrival] = []
        lock, arrivals = threading.Lock(), self.arrivals

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                at = time.time()
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with contextlib.suppress(ValueError), lock:
                    arrivals.append(
                        Arrival(
                            at, {k.lower(): v for k, v in self.headers.items()}, json.loads(body)
                        )
                    )
                time.sleep(delay)
                with contextlib.suppress(OSError):  # the sender was killed meanwhile
                    self.send_response(200)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a connection cut by a killed worker is part of the test

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Desk:
    """The desk's processes on the private cluster: gunicorn web servers (one master and
    one worker each, in their own process group), ``sladesk worker`` processes and one
    SMTP intake (``sladesk manage smtp_server``). Output goes to files under ``logs``."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.web: dict[int, subprocess.Popen[bytes]] = {}
        self.workers: list[subprocess.Popen[bytes]] = []
        self.smtp: subprocess.Popen[bytes] | None = None
        self.smtp_port = free_port()
        logs.mkdir(parents=True, exist_ok=True)
        self._n = 0

    def _spawn(self, name: str, *cmd: str) -> subprocess.Popen[bytes]:
        self._n += 1
        out = (self.logs / f"{self._n:02d}-{name}.log").open("wb")
        return subprocess.Popen(
            list(cmd), env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [str(BIN / "sladesk"), "manage", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"sladesk manage {args[0]} failed: {done.stderr[-3000:]}")
        return done.stdout

    def start_web(self, port: int) -> None:
        self.web[port] = self._spawn(
            f"web-{port}",
            str(BIN / "gunicorn"),
            "-c",
            "python:sladesk.gunicorn_conf",
            "sladesk.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        )

    def start_worker(self, index: int) -> None:
        proc = self._spawn(f"worker-{index}", str(BIN / "sladesk"), "worker")
        if index < len(self.workers):
            self.workers[index] = proc
        else:
            self.workers.append(proc)

    def start_smtp(self) -> None:
        self.smtp = self._spawn(
            "smtp",
            str(BIN / "sladesk"),
            "manage",
            "smtp_server",
            "--bind",
            f"127.0.0.1:{self.smtp_port}",
            "--no-imap",
        )

    @staticmethod
    def kill_9(proc: subprocess.Popen[bytes]) -> None:
        """SIGKILL the process and everything in its process group (a gunicorn master and
        its worker), as a machine losing the process would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def stop(self) -> None:
        procs = [*self.web.values(), *self.workers, *([self.smtp] if self.smtp else [])]
        for proc in procs:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill_9(proc)
