"""``sladesk.gunicorn_conf`` carries the serving defaults, and the command line still wins.

Each case runs gunicorn itself in a fresh process (its config loader imports the config
module once per process, and the defaults depend on the environment it sees then).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sladesk import gunicorn_conf

SRC = Path(gunicorn_conf.__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).parent / "gunicorn"

#: gunicorn's own loader: the settings it ends with for this command line.
LOADED = """
import json, sys
from gunicorn.app.wsgiapp import WSGIApplication
sys.argv = ["gunicorn", *sys.argv[1:]]
cfg = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg
print(json.dumps({"workers": cfg.workers, "threads": cfg.threads,
                  "worker_class": cfg.worker_class_str, "preload_app": cfg.preload_app}))
"""


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("WEB_CONCURRENCY", "SLADESK_WEB_WORKERS", "SLADESK_WEB_THREADS")
        and not k.startswith("GUNICORN")
    }
    env.update(
        PYTHONPATH=str(SRC),
        DJANGO_SETTINGS_MODULE="sladesk.settings",
        SLADESK_VAR_DIR=str(tmp_path),
        SLADESK_DEBUG="0",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        **extra,
    )
    return env


def _loaded(tmp_path: Path, *argv: str, **env: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", LOADED, "-c", "python:sladesk.gunicorn_conf", *argv, "sladesk.wsgi"],
        env=_env(tmp_path, **env),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return dict(json.loads(out.stdout))


def test_the_config_file_gives_the_documented_serving_defaults(tmp_path: Path) -> None:
    # given: no override in the environment or on the command line
    # when: gunicorn's loader reads the config file
    cfg = _loaded(tmp_path)
    # then: gthread, preload, 2 x cores + 1 workers of 1 thread each
    cores = len(os.sched_getaffinity(0))
    assert cfg == {
        "workers": 2 * cores + 1,
        "threads": 1,
        "worker_class": "gthread",
        "preload_app": True,
    }
    assert gunicorn_conf.default_workers(2) == 5  # the figure docs/architecture.md measures


@pytest.mark.parametrize(
    ("argv", "env", "workers", "threads"),
    [
        (["--workers", "3", "--threads", "2"], {}, 3, 2),
        (["-w", "7"], {"SLADESK_WEB_WORKERS": "4"}, 7, 1),
        ([], {"SLADESK_WEB_WORKERS": "4", "SLADESK_WEB_THREADS": "3"}, 4, 3),
        ([], {"WEB_CONCURRENCY": "6"}, 6, 1),
    ],
)
def test_command_line_and_environment_override_the_defaults(
    tmp_path: Path, argv: list[str], env: dict[str, str], workers: int, threads: int
) -> None:
    # given / when: an override on the command line or in the environment
    cfg = _loaded(tmp_path, *argv, **env)
    # then: it wins over the file's formula; the command line over the environment
    assert (cfg["workers"], cfg["threads"]) == (workers, threads)


def test_gunicorn_serves_with_the_config_alone_and_workers_flag_wins(tmp_path: Path) -> None:
    # given: a loopback socket handed to gunicorn, started with the config and --workers 2
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    log = tmp_path / "gunicorn.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(GUNICORN), "-c", "python:sladesk.gunicorn_conf", "sladesk.wsgi",
             "--bind", f"fd://{sock.fileno()}", "--workers", "2", "--log-level", "info"],
            env=_env(tmp_path),
            pass_fds=(sock.fileno(),),
            stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    sock.close()
    try:
        # when: it answers a request
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/api/v1/tickets/", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        while len(re.findall(r"Booting worker", log.read_text())) < 2:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        time.sleep(0.5)  # a third worker, were one coming, would boot by now
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    # then: the app served it, on gthread workers, two of them as the command line said
    text = log.read_text()
    assert response.status_code in (401, 403), text
    assert "Using worker: gthread" in text
    assert len(re.findall(r"Booting worker", text)) == 2, text
