"""The search box's query language, parsed into terms both backends can match safely.

Syntax (one for the desk, the portal and the API's ``?q=``):

- ``disk full``: every word must occur somewhere in the ticket, in any order (AND);
- ``"disk full"``: a phrase, the words next to each other in this order;
- ``migrat*``: a prefix (``migration``, ``migrated``); on a phrase it applies to its last word;
- ``#123`` or ``123`` alone also finds ticket 123 itself.

A *word* is a run of letters and digits (`words`): everything else separates words, in
queries and in the documents alike, so ``ann@example.com`` is the phrase ``ann example com``
and ``e-mail`` the phrase ``e mail``. Matching ignores case; no stemming (see
``docs/ui.md``). Operator characters of the backends (``& | ! ( ) : * < > ' " \\`` for
PostgreSQL's tsquery, ``" * ^ + - : ( ) { } NEAR AND OR NOT`` for SQLite FTS5) can never
reach them: a term is made of words only, each word quoted. `parse` never raises.

Pure Python (no Django): the query is data, the backends in `sladesk.tickets.search`
render it with `tsquery` or `fts5`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "MAX_WORD_CHARS",
    "Query",
    "Term",
    "fts5",
    "parse",
    "tsquery",
    "words",
]

#: Longer queries are cut here (a search box, not a document).
MAX_QUERY_CHARS = 500
#: Terms beyond this many are ignored (each one is an index probe).
MAX_TERMS = 16
#: Words are cut to this many characters, in documents and queries alike (PostgreSQL
#: refuses lexemes over 2 KB; nobody types a 100-letter word to find it).
MAX_WORD_CHARS = 100
_WORD = re.compile(r"[^\W_]+")
_CHUNK = re.compile(r'"([^"]*)(?:"|$)(\*?)|([^\s"]+)')
_NUMBER = re.compile(r"#?\s*(\d{1,18})")


def words(text: str) -> list[str]:
    """The words of ``text``, lower-cased: runs of letters and digits, each cut to
    `MAX_WORD_CHARS`. The one tokenizer of documents and queries."""
    return [w[:MAX_WORD_CHARS] for w in _WORD.findall(text.lower())]


@dataclass(frozen=True)
class Term:
    """Words that must occur next to each other in this order (one word: anywhere);
    ``prefix``: the last word may continue (``migrat*``)."""

    words: tuple[str, ...]
    prefix: bool = False


@dataclass(frozen=True)
class Query:
    """A parsed search: every term must match (AND); ``number`` is the ticket number a query
    of a number alone names (``#123``, ``123``), which matches that ticket as well."""

    terms: tuple[Term, ...] = ()
    number: int | None = None

    def __bool__(self) -> bool:
        return bool(self.terms) or self.number is not None


def parse(text: str) -> Query:
    """Parse the search box's text (see the module docstring). Never raises: anything that
    is not a word is a separator; an unclosed quote runs to the end; too long a text or too
    many terms are cut (`MAX_QUERY_CHARS`, `MAX_TERMS`). An empty `Query` matches nothing."""
    if not isinstance(text, str):
        return Query()
    text = text[:MAX_QUERY_CHARS]
    terms: list[Term] = []
    for match in _CHUNK.finditer(text):
        phrase, star, bare = match.groups()
        chunk = phrase if bare is None else bare
        found = tuple(words(chunk or ""))
        if not found:
            continue
        prefix = bool(star) if bare is None else bare.endswith("*")
        term = Term(found, prefix)
        if term not in terms:
            terms.append(term)
        if len(terms) == MAX_TERMS:
            break
    number_match = _NUMBER.fullmatch(text.strip())
    number = int(number_match.group(1)) if number_match else None
    return Query(tuple(terms), number if number and number < 2**63 else None)


def tsquery(query: Query) -> str:
    """``query`` as PostgreSQL ``tsquery`` text (cast with ``::tsquery``, no parser run):
    each word a quoted lexeme (words hold letters and digits only: nothing to escape),
    phrases joined with ``<->``, prefixes marked ``:*``, terms with ``&``. Empty for a
    query without terms."""
    rendered = []
    for term in query.terms:
        lexemes = [f"'{w}'" for w in term.words]
        if term.prefix:
            lexemes[-1] += ":*"
        joined = " <-> ".join(lexemes)
        rendered.append(f"({joined})" if len(lexemes) > 1 else joined)
    return " & ".join(rendered)


def fts5(query: Query, columns: tuple[str, ...] = ()) -> str:
    """``query`` as an SQLite FTS5 MATCH expression: each term a double-quoted string
    (words only: no quote inside), ``*`` after a prefix, terms joined with ``AND``;
    ``columns``: restricted to those columns (``{a b} : (...)``). Empty without terms."""
    rendered = [f'"{" ".join(t.words)}"' + (" *" if t.prefix else "") for t in query.terms]
    if not rendered:
        return ""
    expression = " AND ".join(rendered)
    return f"{{{' '.join(columns)}}} : ({expression})" if columns else expression
