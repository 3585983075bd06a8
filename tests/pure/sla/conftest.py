"""Fixtures for the SLA core tests (no Django: run with ``pytest -p no:django tests/pure/sla``)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

import pytest

from sladesk.sla import Policy, load_policy
from support.paths import POLICIES


@cache
def _load(name: str) -> Policy:
    return load_policy(POLICIES / f"{name}.yaml")


@pytest.fixture
def seed() -> Callable[[str], Policy]:
    """Factory: ``seed("esper")`` is the loaded ``policies/esper.yaml`` (cached)."""
    return _load
