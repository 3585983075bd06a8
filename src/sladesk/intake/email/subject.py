"""Reading a mail subject: reply/forward prefixes, a priority tag, a ticket reference.

The prefixes and the ``[#1234]`` reference are the ticket layer's (`sladesk.tickets.subjects`,
re-exported here); the priority tag is the channel's. Seeds: Particle asks enterprise
customers to put the priority in the subject ("[P1] …"); tags such as ``[P1]``…``[P4]``,
``[Sev2]`` and ``[Urgent]`` are common. Which tags count is decided by the policy:
:func:`split_priority_tag` only accepts a tag equal (case-insensitively) to one of
the ``names`` it is given — the policy's priority names and aliases — so "[Sev2]" in a
Houseware mail is left alone if Houseware has no such alias.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sladesk.tickets.subjects import SubjectParts, find_ticket_ref, split_subject, topic

__all__ = ["SubjectParts", "find_ticket_ref", "split_priority_tag", "split_subject", "topic"]

_TRAILING_TAG = re.compile(r"\s*\[\s*(?P<bracket>[^\]\[]{1,20}?)\s*\]\s*$")

_TAG = re.compile(
    r"^\s*(?:\[\s*(?P<bracket>[^\]\[]{1,20}?)\s*\]|\(\s*(?P<paren>[^()]{1,20}?)\s*\)"
    r"|(?P<colon>[A-Za-z][\w-]{0,19})\s*:)\s*"
)


def split_priority_tag(subject: str, names: Iterable[str]) -> tuple[str | None, str]:
    """Return ``(priority text as written, subject without the tag and reply prefixes)``.

    The tag is the first token after any reply/forward prefixes: ``[P1]``, ``(P1)`` or ``P1:``
    (also ``[Sev2]``, ``[Urgent]``), or else a bracketed tag ending the subject
    (``Fleet offline [P1]``: Particle asks for "a priority level [P1-P4]" in the subject
    and does not say where); it counts only when it equals one of ``names``
    (case-insensitive, surrounding spaces ignored). A tag that is not a priority — a mailing
    list's ``[acme-users]``, a ticket reference ``[#12]`` — is left in the subject and ``None``
    is returned. Reply/forward prefixes are always removed.
    """
    wanted = {name.strip().lower() for name in names if name and name.strip()}
    parts = split_subject(subject)
    if not wanted:
        return None, parts.subject
    match = _TAG.match(parts.subject)
    if match:
        tag = match.group("bracket") or match.group("paren") or match.group("colon") or ""
        if tag.strip().lower() in wanted:
            return tag.strip(), split_subject(parts.subject[match.end() :]).subject
    end = _TRAILING_TAG.search(parts.subject)
    if end and end.start() > 0 and end.group("bracket").strip().lower() in wanted:
        return end.group("bracket").strip(), parts.subject[: end.start()].rstrip()
    return None, parts.subject
