"""Where the shared real-world email corpus lives (beside the repository) and what it holds.

The corpus is not part of the repository: ``SLADESK_EMAIL_CORPUS`` names it, else
``shared/email-corpus`` beside the repository or beside the directory holding it (a git
worktree). Without it the corpus tests skip with the reason — except in CI (``CI=true``),
where a missing corpus fails the run: CI must never pass with those tests silently unrun.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

__all__ = ["CORPUS", "corpus_cases", "corpus_paths", "require_corpus"]


def _find() -> Path:
    if os.environ.get("SLADESK_EMAIL_CORPUS"):
        return Path(os.environ["SLADESK_EMAIL_CORPUS"])
    here = Path(__file__).resolve()  # <repo>/tests/support/corpus.py
    candidates = [parent / "shared" / "email-corpus" for parent in here.parents[3:5]]
    return next((c for c in candidates if c.is_dir()), candidates[0])


CORPUS = _find()


def _missing() -> str:
    return (
        f"email corpus not found at {CORPUS} (clone it to ../shared/email-corpus beside the "
        "repository or set SLADESK_EMAIL_CORPUS)"
    )


def _in_ci() -> bool:
    return os.environ.get("CI") == "true"


def require_corpus() -> Path:
    """The corpus directory; skips the calling test when it is absent (fails it in CI)."""
    if not CORPUS.is_dir():
        if _in_ci():
            pytest.fail(f"the email corpus tests must run in CI: {_missing()}")
        pytest.skip(_missing())
    return CORPUS


def corpus_paths() -> list[str]:
    """Relative paths of every corpus message, in MANIFEST.tsv order (empty if absent)."""
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    lines = manifest.read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t", 1)[0] for line in lines if line.strip()]


def corpus_cases() -> list[Any]:
    """``corpus_paths()`` for ``parametrize``; without the corpus one case that skips with
    the reason (outside CI) or a collection error (in CI)."""
    paths = corpus_paths()
    if paths:
        return paths
    if _in_ci():
        pytest.fail(f"the email corpus tests must run in CI: {_missing()}", pytrace=False)
    return [pytest.param("", marks=pytest.mark.skip(reason=_missing()), id="no-corpus")]
