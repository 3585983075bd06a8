"""Finding the ticket a reply belongs to: Message-ID keys and signed reply-to addresses.

The evidence, strongest first: In-Reply-To / References against every Message-ID sladesk
sent or received (:func:`thread_keys`), then ``[#1234]`` in the subject
(:func:`~sladesk.tickets.subjects.find_ticket_ref`), then a signed reply address
(:func:`verify_reply_address`).

Signed reply address: ``<local>+t<ticket id>.<tag>@<domain>`` where ``tag`` is the first
:data:`TAG_LENGTH` hex digits of HMAC-SHA256(secret, ``"<ticket id>"``). Ten hex digits are
40 bits: guessing a valid address for a chosen ticket takes ~10^12 tries, while the address
stays short enough for every mail client. The tag is checked with
:func:`hmac.compare_digest`; the local part and domain are not covered by the signature, so an
address keeps working when an alias is renamed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Protocol

__all__ = ["TAG_LENGTH", "signed_reply_address", "thread_keys", "verify_reply_address"]

TAG_LENGTH = 10
_SIGNED_LOCAL = re.compile(r"^[^@+]+\+t(?P<ticket>\d{1,18})\.(?P<tag>[0-9a-f]+)$", re.IGNORECASE)


class _Threaded(Protocol):
    @property
    def in_reply_to(self) -> str | None: ...

    @property
    def references(self) -> tuple[str, ...]: ...


def _tag(ticket_id: int, secret: bytes | str) -> str:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    digest = hmac.new(key, str(ticket_id).encode("ascii"), hashlib.sha256).hexdigest()
    return digest[:TAG_LENGTH]


def signed_reply_address(local: str, domain: str, ticket_id: int, secret: bytes | str) -> str:
    """``support+t1234.<hmac10>@domain`` for ticket ``ticket_id`` (see module docstring)."""
    if ticket_id < 0:
        raise ValueError("ticket_id must be a non-negative integer")
    if not secret:
        raise ValueError("an empty secret would make every reply address forgeable")
    base = local.split("+", 1)[0]
    return f"{base}+t{ticket_id}.{_tag(ticket_id, secret)}@{domain.lower()}"


def verify_reply_address(address: str, secret: bytes | str) -> int | None:
    """The ticket id in a signed reply address if its tag is valid for ``secret``, else None.

    Accepts a bare address or ``Name <address>``; case-insensitive (some servers upper-case
    local parts). Never raises.
    """
    if not address or not secret:
        return None
    bracketed = re.search(r"<([^<>]+)>", address)
    candidate = (bracketed.group(1) if bracketed else address).strip()
    local, at, _domain = candidate.rpartition("@")
    if not at:
        return None
    match = _SIGNED_LOCAL.match(local)
    if not match:
        return None
    ticket_id = int(match.group("ticket"))
    expected = _tag(ticket_id, secret)
    if hmac.compare_digest(expected.encode("ascii"), match.group("tag").lower().encode("ascii")):
        return ticket_id
    return None


def thread_keys(parsed: _Threaded) -> list[str]:
    """Message-IDs to look up, most specific first: In-Reply-To, then References newest first.

    References lists the thread oldest → newest (RFC 5322 §3.6.4), so it is reversed; ids are
    deduplicated keeping the first (most specific) position.
    """
    keys: list[str] = []
    if parsed.in_reply_to:
        keys.append(parsed.in_reply_to)
    for message_id in reversed(parsed.references):
        if message_id not in keys:
            keys.append(message_id)
    return keys
