"""Fixtures of the framework-free email tests: messages of the real-world corpus."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sladesk.intake.email.parse import ParsedMessage, parse_message
from support.corpus import require_corpus


@pytest.fixture
def corpus_message() -> Callable[[str], ParsedMessage]:
    """Factory: parse one corpus file by its MANIFEST path (skips without the corpus, fails
    in CI)."""
    corpus = require_corpus()

    def load(relative: str) -> ParsedMessage:
        return parse_message((corpus / relative).read_bytes())

    return load
