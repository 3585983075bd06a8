"""Where the shared real-world email corpus lives (beside the repo) and what it holds."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["CORPUS", "corpus_paths"]


def _find() -> Path:
    """``SLADESK_EMAIL_CORPUS``, else ``shared/email-corpus`` beside the repository or
    beside the directory holding it (a git worktree under ``wt/``)."""
    if os.environ.get("SLADESK_EMAIL_CORPUS"):
        return Path(os.environ["SLADESK_EMAIL_CORPUS"])
    candidates = [parent / "shared" / "email-corpus" for parent in Path(__file__).resolve().parents[3:5]]
    return next((c for c in candidates if c.is_dir()), candidates[0])


CORPUS = _find()


def corpus_paths() -> list[str]:
    """Relative paths of every corpus message, in MANIFEST.tsv order (empty if absent)."""
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    lines = manifest.read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t", 1)[0] for line in lines if line.strip()]
