"""Separating what a customer just wrote from the quoted history and signature below it.

``extract_reply(text) -> (new_text, quoted_text)``; never raises.

Reply headers and signatures are found by ``mail-parser-reply`` (maintained, pure Python, no
dependencies, multilingual: "On … wrote:", "Am … schrieb", "Le … a écrit", Outlook
"From:/Sent:" and "Von:/Gesendet:" blocks, "-----Original Message-----", "-- " signatures,
"Sent from my iPhone", "Get Outlook for …"). This module adds what a support desk needs
around it:

* **Indentation kept.** The library strips every line; we map its answer back onto the
  original lines, so a pasted YAML file or stack trace keeps its shape.
* **``>`` blocks.** A block of ``>``-quoted lines *before* the new text (bottom-posting,
  Thunderbird) or *after* it (a quote with no "wrote:" line) goes to ``quoted_text``.
  Quotes *interleaved* with answers are kept in ``new_text``: the answers make no sense alone.
* **Nothing vanishes.** A message that is only history (a bare forward, "-----Original
  Message-----" at the top) gives the whole text as ``new_text`` and ``""`` as quoted, so
  a forwarded problem still reaches the agent. ``new_text`` + ``quoted_text`` always holds
  every non-blank line of the input.
* **Bounded cost.** Only the first :data:`MAX_ANALYSED_CHARS` characters are analysed; if no
  split is found there, the whole text is new.
"""

from __future__ import annotations

import re

from mailparser_reply.parser import EmailMessage  # type: ignore[import-untyped]

__all__ = ["LANGUAGES", "MAX_ANALYSED_CHARS", "extract_reply"]

#: Languages whose reply headers are recognised ("en" is always included).
LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl", "sv", "da")
MAX_ANALYSED_CHARS = 100_000

_QUOTED_LINE = re.compile(r"^\s*>")
_ATTRIBUTION_HINT = re.compile(r"@|\d")
_SEPARATOR_LINE = re.compile(r"^\s*[-_=*]{2,}[^\n]{0,40}?[-_=*]{2,}\s*$|^\s*[-_=*]{2,}\s*$")


def _library_body(normalised: str) -> str | None:
    """The first reply's body per mail-parser-reply, or ``None`` if it failed."""
    try:
        message = EmailMessage(
            text=normalised, languages=list(LANGUAGES), keep_hyphen_lists=True
        ).read()
    except Exception:
        return None
    if not message.replies:
        return None
    body = message.replies[0].body
    return body if isinstance(body, str) else None


def _locate(stripped: list[str], body: str) -> tuple[int, int] | None:
    """Line span ``[start, end)`` of ``body`` within the stripped lines, if contiguous."""
    body_lines = body.split("\n")
    count = len(body_lines)
    first = body_lines[0]
    for start, line in enumerate(stripped):
        if line == first and stripped[start : start + count] == body_lines:
            return start, start + count
    return None


def _split_quote_blocks(lines: list[str]) -> tuple[list[str], list[str], list[str]]:
    """Split off a leading and a trailing ``>`` block: (leading, middle, trailing).

    Blank lines do not end a block. When ``>`` lines also occur between non-quoted lines of
    the middle, the quoting is interleaved and nothing is split off.
    """

    def is_quote_or_blank(line: str) -> bool:
        return not line.strip() or bool(_QUOTED_LINE.match(line))

    start = 0
    while start < len(lines) and is_quote_or_blank(lines[start]):
        start += 1
    end = len(lines)
    while end > start and is_quote_or_blank(lines[end - 1]):
        end -= 1
    middle = lines[start:end]
    if any(_QUOTED_LINE.match(line) for line in middle):
        return [], lines, []
    return lines[:start], middle, lines[end:]


def _split_attribution(lines: list[str]) -> tuple[list[str], list[str]]:
    """Split off the "<date> <name> wrote:" lines above a trailing quote block, for languages
    the library does not know (Russian "написал:", Portuguese "escreveu:"): the last line ends
    with ``:``, and it and up to two lines above it hold a date or an address."""
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    if not end or not lines[end - 1].rstrip().endswith(":"):
        return lines, []
    start = end - 1
    while start > 0 and end - start < 3 and _ATTRIBUTION_HINT.search(lines[start - 1]):
        start -= 1
    if start and _ATTRIBUTION_HINT.search(" ".join(lines[start:end])):
        return lines[:start], lines[start:]
    return lines, []


def _only_separators(text: str) -> bool:
    """True when ``text`` is nothing but a "---- Forwarded message ----" style line."""
    return all(_SEPARATOR_LINE.match(line) for line in text.split("\n") if line.strip())


def _join(lines: list[str]) -> str:
    return "\n".join(line.rstrip() for line in lines).strip("\n")


def extract_reply(text: str) -> tuple[str, str]:
    """Return ``(new_text, quoted_text)`` for a plain-text message body (see module doc)."""
    if not text or not text.strip():
        return "", ""
    unified = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = unified.split("\n")
    head_lines: list[str] = []
    size = 0
    for line in lines:
        size += len(line) + 1
        if size > MAX_ANALYSED_CHARS:
            break
        head_lines.append(line)
    tail_lines = lines[len(head_lines) :]

    stripped = [line.strip() for line in head_lines]
    body = _library_body("\n".join(stripped))
    span = _locate(stripped, body) if body else None
    if span is None:
        new_lines, before, after = head_lines, [], []
        if tail_lines:
            new_lines = lines
            tail_lines = []
    else:
        before, new_lines, after = (
            head_lines[: span[0]],
            head_lines[span[0] : span[1]],
            head_lines[span[1] :],
        )
    leading, middle, trailing = _split_quote_blocks(new_lines)
    if trailing:
        middle, attribution = _split_attribution(middle)
        trailing = attribution + trailing
    new_text = _join(middle)
    quoted_text = _join(before + leading + trailing + after + tail_lines)
    if not new_text.strip() or _only_separators(new_text):
        return unified.strip("\n"), ""
    return new_text, quoted_text
