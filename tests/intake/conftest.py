"""Shared fixtures for the framework-free email layer: the real-world corpus beside the repo."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from email_corpus import CORPUS

from sladesk.intake.email.parse import ParsedMessage, parse_message


@pytest.fixture
def corpus_message() -> Callable[[str], ParsedMessage]:
    """Factory: parse one corpus file by its MANIFEST path."""
    if not CORPUS.is_dir():
        pytest.skip(f"email corpus not found at {CORPUS} (it lives beside the repo)")

    def load(relative: str) -> ParsedMessage:
        return parse_message((CORPUS / relative).read_bytes())

    return load
