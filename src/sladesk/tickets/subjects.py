"""A ticket's subject in a conversation: reply/forward prefixes, ``[#1234]`` references.

Pure text functions (no Django): the e-mail channel reads incoming subjects with them
(`sladesk.intake.email.subject`), and the ticket services name a follow-up ticket with
`topic`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["TICKET_REF", "SubjectParts", "find_ticket_ref", "split_subject", "topic"]

# Re/Fwd prefixes in the languages of the seeds' customers, optionally counted
# ("Re[2]:", "Re(3):") and repeated ("Re: AW: Fwd:").
_REPLY_WORDS = r"re|aw|sv|vs|antw|odp|ref|rif|r"
_FORWARD_WORDS = r"fwd?|wg|tr|rv|enc|doorst|vs|i"
_PREFIX = re.compile(
    rf"^\s*(?P<word>{_REPLY_WORDS}|{_FORWARD_WORDS})\s*(?:\[\d+\]|\(\d+\))?\s*:\s*",
    re.IGNORECASE,
)
_FORWARD = re.compile(rf"^(?:{_FORWARD_WORDS})$", re.IGNORECASE)
_REPLY = re.compile(rf"^(?:{_REPLY_WORDS})$", re.IGNORECASE)
#: A ticket reference in a subject: ``[#1234]``.
TICKET_REF = re.compile(r"\[\s*#\s*(\d{1,12})\s*\]")


@dataclass(frozen=True)
class SubjectParts:
    """A subject taken apart: what the ticket should be called and what was around it."""

    subject: str
    is_reply: bool
    is_forward: bool


def split_subject(subject: str) -> SubjectParts:
    """Strip leading reply/forward prefixes (``Re:``, ``RE:``, ``AW:``, ``Fwd:``, ``WG:``,
    ``Re[2]:`` …, repeated) and report which kinds were there."""
    remaining = subject or ""
    is_reply = is_forward = False
    while True:
        match = _PREFIX.match(remaining)
        if not match:
            break
        word = match.group("word")
        if _FORWARD.match(word) and word.lower() != "vs":
            is_forward = True
        if _REPLY.match(word):
            is_reply = True
        remaining = remaining[match.end() :]
    return SubjectParts(subject=remaining.strip(), is_reply=is_reply, is_forward=is_forward)


def topic(subject: str) -> str:
    """The topic of a conversation's subject: leading reply/forward prefixes and every
    ``[#1234]`` ticket reference removed, repeatedly ("AW: [#12] Re: Fwd: x" → "x"), spaces
    collapsed; everything else (a priority or list tag, words) is kept. The follow-up of a
    closed ticket is named this way. An all-prefix subject gives ``""``.
    """
    remaining = subject or ""
    while True:
        cleaned = split_subject(TICKET_REF.sub(" ", remaining)).subject
        if cleaned == remaining:
            return " ".join(cleaned.split())
        remaining = cleaned


def find_ticket_ref(subject: str) -> int | None:
    """The ticket number of the first ``[#1234]`` reference in ``subject``, or ``None``."""
    match = TICKET_REF.search(subject or "")
    return int(match.group(1)) if match else None
