"""Where the shared real-world email corpus lives (beside the repo) and what it holds."""

from __future__ import annotations

from pathlib import Path

__all__ = ["CORPUS", "corpus_paths"]

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "email-corpus"


def corpus_paths() -> list[str]:
    """Relative paths of every corpus message, in MANIFEST.tsv order (empty if absent)."""
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.exists():
        return []
    lines = manifest.read_text(encoding="utf-8").splitlines()[1:]
    return [line.split("\t", 1)[0] for line in lines if line.strip()]
