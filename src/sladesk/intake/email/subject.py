"""Reading a mail subject: reply/forward prefixes, a priority tag, a ticket reference.

Seeds: Particle asks enterprise customers to put the priority in the subject ("[P1] …");
issue 5 names ``[P1]``…``[P4]``, ``[Sev2]`` and ``[Urgent]``. Which tags count is decided by
the policy: :func:`split_priority_tag` only accepts a tag equal (case-insensitively) to one of
the ``names`` it is given — the policy's priority names and aliases — so "[Sev2]" in a
Houseware mail is left alone if Houseware has no such alias.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["SubjectParts", "find_ticket_ref", "split_priority_tag", "split_subject", "topic"]

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
_TAG = re.compile(
    r"^\s*(?:\[\s*(?P<bracket>[^\]\[]{1,20}?)\s*\]|\(\s*(?P<paren>[^()]{1,20}?)\s*\)"
    r"|(?P<colon>[A-Za-z][\w-]{0,19})\s*:)\s*"
)
_TICKET_REF = re.compile(r"\[\s*#\s*(\d{1,12})\s*\]")


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


def split_priority_tag(subject: str, names: Iterable[str]) -> tuple[str | None, str]:
    """Return ``(priority text as written, subject without the tag and reply prefixes)``.

    The tag is the first token after any reply/forward prefixes: ``[P1]``, ``(P1)`` or ``P1:``
    (also ``[Sev2]``, ``[Urgent]``); it counts only when it equals one of ``names``
    (case-insensitive, surrounding spaces ignored). A tag that is not a priority — a mailing
    list's ``[acme-users]``, a ticket reference ``[#12]`` — is left in the subject and ``None``
    is returned. Reply/forward prefixes are always removed.
    """
    wanted = {name.strip().lower() for name in names if name and name.strip()}
    parts = split_subject(subject)
    match = _TAG.match(parts.subject)
    if not match or not wanted:
        return None, parts.subject
    tag = match.group("bracket") or match.group("paren") or match.group("colon") or ""
    if tag.strip().lower() not in wanted:
        return None, parts.subject
    cleaned = split_subject(parts.subject[match.end() :]).subject
    return tag.strip(), cleaned


def topic(subject: str) -> str:
    """The topic of a conversation's subject: leading reply/forward prefixes and every
    ``[#1234]`` ticket reference removed, repeatedly ("AW: [#12] Re: Fwd: x" → "x"), spaces
    collapsed; everything else (a priority or list tag, words) is kept. The follow-up of a
    closed ticket is named this way. An all-prefix subject gives ``""``.
    """
    remaining = subject or ""
    while True:
        cleaned = split_subject(_TICKET_REF.sub(" ", remaining)).subject
        if cleaned == remaining:
            return " ".join(cleaned.split())
        remaining = cleaned


def find_ticket_ref(subject: str) -> int | None:
    """The ticket number of the first ``[#1234]`` reference in ``subject``, or ``None``."""
    match = _TICKET_REF.search(subject or "")
    return int(match.group(1)) if match else None
