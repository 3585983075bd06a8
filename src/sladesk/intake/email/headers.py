"""Reading structured header fields: Message-IDs, address lists and dates.

All functions are total (never raise) and take header values that are already unfolded
``str`` (surrogate-escaped 8-bit bytes allowed).

Message-ID normal form: exactly one ``<...>`` token with no whitespace inside, the case kept as
sent (RFC 5322 §3.6.4 ids are compared as strings; clients echo them byte-for-byte).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime

from sladesk.intake.email.content import decode_header_value

__all__ = [
    "message_id_list",
    "normalize_message_id",
    "parse_addresses",
    "parse_date",
]

_BRACKETED = re.compile(r"<([^<>]*)>")
_BARE_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
_MAX_ID = 998


def _clean_id(inner: str) -> str | None:
    compact = re.sub(r"\s+", "", inner)
    if not compact or len(compact) > _MAX_ID:
        return None
    return f"<{compact}>"


def normalize_message_id(value: str | None) -> str | None:
    """Return the first Message-ID in ``value`` as ``<id>``, or ``None`` if there is none.

    ``<a@b> (comment)`` → ``<a@b>``; a bare ``a@b`` → ``<a@b>``; ``<>`` or free text with no
    ``@`` and no brackets (``"Your message of Monday"``) → ``None``.
    """
    if not value:
        return None
    for inner in _BRACKETED.findall(value):
        cleaned = _clean_id(inner)
        if cleaned:
            return cleaned
    if "<" in value:
        return None
    for token in value.split():
        if "@" in token:
            return _clean_id(token.strip("<>,;\"'()"))
    return None


def message_id_list(value: str | None) -> list[str]:
    """All Message-IDs in a ``References`` / ``In-Reply-To`` value, in header order, deduplicated.

    Bracketed ids are taken as they are; when a value has no brackets at all, whitespace- or
    comma-separated tokens containing ``@`` are accepted (old mailers write bare ids).
    """
    if not value:
        return []
    found: list[str] = []
    inners = _BRACKETED.findall(value)
    if not inners and "<" not in value:
        inners = [token for token in re.split(r"[\s,]+", value) if "@" in token]
    for inner in inners:
        cleaned = _clean_id(inner)
        if cleaned and cleaned not in found:
            found.append(cleaned)
    return found


def parse_addresses(values: list[str]) -> list[tuple[str, str]]:
    """``(display name, address)`` pairs from address header values; addresses lower-cased.

    Display names are RFC 2047-decoded *after* splitting, so an encoded comma cannot split a
    name. Entries without ``@`` (groups, ``undisclosed-recipients:;``) are skipped. When the
    stdlib parser gives nothing useful for a value that visibly holds addresses, bare
    ``local@domain`` tokens are taken instead.
    """
    result: list[tuple[str, str]] = []
    for value in values:
        found: list[tuple[str, str]] = []
        try:
            pairs = getaddresses([value])
        except Exception:
            pairs = []
        for name, address in pairs:
            address = address.strip().strip("<>").lower()
            if "@" in address and " " not in address:
                found.append((decode_header_value(name) if name else "", address))
        if not found:
            found = [("", match.lower()) for match in _BARE_ADDRESS.findall(value)]
        for pair in found:
            if pair[1] not in {existing for _, existing in result}:
                result.append(pair)
    return result


def parse_date(value: str | None) -> datetime | None:
    """The ``Date`` header as an aware datetime, or ``None`` when absent or unreadable.

    A date with ``-0000`` or no zone (RFC 5322 §3.3: "no information about the local time
    zone") is taken as UTC rather than dropped.
    """
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except Exception:
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
