"""Places in the repository the tests read: its root, the seed policies, the docs."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DOCS", "POLICIES", "ROOT"]

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
DOCS = ROOT / "docs"
