"""Rate limits a forger cannot turn against a customer.

A mail counts against *keys*, never against the address in its ``From`` alone (anyone can
write any ``From``):

* a **verified** mail (`MailAuthentication.verdict` ``pass``) against its authenticated
  domain, ``id:<domain>``, at most ``verified_rate_limit`` tickets/replies per
  ``rate_window``;
* an **unverified** mail against the address that connected (``ip:<address>``, only when
  the mail was checked here: behind a company MTA every mail comes from the MTA) and its
  envelope sender (``env:<address>``), at most ``rate_limit`` each; mail with neither (IMAP)
  against its From, ``from:<address>``.

So thirty forged mails "from" a customer use up the forger's address and envelope, and the
customer's own authenticated mail still opens its ticket. A mail over a limit is
quarantined with the reason ``rate limited: ...`` (an agent can still accept it), never
dropped. Only mail that became a ticket or a reply counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count

from sladesk.intake.email.authenticate import VERIFIED_HERE, MailAuthentication

from .conf import EmailConf
from .models import InboundMessage, InboundState

__all__ = ["over_limit", "rate_keys", "recent_counts"]

_COUNTED = [InboundState.TICKET, InboundState.REPLY]


def rate_keys(row: InboundMessage, auth: MailAuthentication) -> list[str]:
    """The keys ``row`` counts against (see the module docstring)."""
    if auth.verified and auth.identity:
        return [f"id:{auth.identity}"]
    keys = []
    if row.peer_ip and auth.source == VERIFIED_HERE:
        keys.append(f"ip:{row.peer_ip}")
    if row.envelope_from:
        keys.append(f"env:{row.envelope_from}")
    if not keys and row.from_address:
        keys.append(f"from:{row.from_address}")
    return keys


def recent_counts(keys: Iterable[str], since: datetime) -> dict[str, int]:
    """Tickets/replies since ``since`` per key (one grouped query per kind of key)."""
    wanted: dict[str, set[str]] = {"id": set(), "ip": set(), "env": set(), "from": set()}
    for key in keys:
        kind, _, value = key.partition(":")
        wanted[kind].add(value)
    counts: dict[str, int] = {}
    recent = InboundMessage.objects.filter(received_at__gt=since, state__in=_COUNTED)
    columns = {"id": "identity", "ip": "peer_ip", "env": "envelope_from", "from": "from_address"}
    for kind, values in wanted.items():
        if not values:
            continue
        column = columns[kind]
        query = recent.filter(**{f"{column}__in": sorted(values)})
        if kind != "id":
            query = query.filter(identity="")  # verified mail never counts against these keys
        for value, n in query.values(column).annotate(n=Count("id")).values_list(column, "n"):
            counts[f"{kind}:{value}"] = n
    return counts


def over_limit(keys: list[str], recent: dict[str, int], cfg: EmailConf) -> str:
    """The reason ``rate limited: ...`` when a key is at its limit, else ""."""
    for key in keys:
        limit = cfg.verified_rate_limit if key.startswith("id:") else cfg.rate_limit
        n = recent.get(key, 0)
        if n >= limit:
            kind, _, value = key.partition(":")
            what = {
                "id": "verified sender",
                "ip": "connecting address",
                "env": "envelope sender",
                "from": "sender",
            }[kind]
            return (
                f"rate limited: {n} messages from {what} {value} "
                f"in the last {cfg.rate_window:g} s (limit {limit})"
            )
    return ""
