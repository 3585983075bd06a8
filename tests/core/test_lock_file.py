"""requirements/server.lock covers the server install: every dependency pyproject.toml names
for it (the core and the ``server`` extra) is pinned there, at a version its range allows,
with hashes. `make run` installs the lock and then sladesk with ``--no-deps``, so a
dependency added to pyproject.toml without ``make lock`` would be missing at run time."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)


def _locked() -> dict[str, str]:
    text = (ROOT / "requirements" / "server.lock").read_text()
    return {canonicalize_name(name): version for name, version in _PIN.findall(text)}


def test_every_server_dependency_is_locked_within_its_range():
    # given the server install's requirements and the lock
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [
        Requirement(r)
        for r in (*project["dependencies"], *project["optional-dependencies"]["server"])
    ]
    wanted += [
        Requirement(line)
        for line in (ROOT / "requirements" / "server.in").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    locked = _locked()
    # then each is pinned, at a version its range allows
    missing = [str(r) for r in wanted if canonicalize_name(r.name) not in locked]
    assert not missing, f"not in requirements/server.lock (run `make lock`): {missing}"
    outside = [
        f"{r} (locked {locked[canonicalize_name(r.name)]})"
        for r in wanted
        if not r.specifier.contains(locked[canonicalize_name(r.name)], prereleases=True)
    ]
    assert not outside, f"locked outside pyproject.toml's range (run `make lock`): {outside}"


def test_every_pin_carries_hashes():
    # given the lock's text, then every pinned package is followed by at least one hash
    text = (ROOT / "requirements" / "server.lock").read_text()
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 6)[-1])
    pins = [b for b in blocks if _PIN.match(b)]
    assert pins and all("--hash=sha256:" in b for b in pins)
    assert "gunicorn" in _locked()  # production's server is part of the server install
