"""Settings of the email channel, read in one place.

Each value comes from ``settings.SLADESK_EMAIL[<name>]`` if set, else the environment
variable ``SLADESK_EMAIL_<NAME>``, else the default below (``smtp_bind`` also reads
``settings.SLADESK_SMTP_BIND``). Read on every call (cheap), so tests can override
``settings.SLADESK_EMAIL``. Outbound SMTP uses Django's ``EMAIL_HOST``/``EMAIL_PORT``/
``EMAIL_USE_TLS``/``EMAIL_USE_SSL``/``EMAIL_HOST_USER``/``EMAIL_HOST_PASSWORD`` (read by
`sladesk.notify.recipients` when the outbox sends).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings

__all__ = ["EmailConf", "conf"]


@dataclass(frozen=True)
class EmailConf:
    """Email channel settings (bytes and seconds unless the name says otherwise)."""

    #: Where ``sladesk run`` listens for SMTP ("" = no SMTP server).
    smtp_bind: str = "127.0.0.1:2525"
    #: Domains the SMTP server accepts RCPT for (comma separated); the domains of
    #: `InboundAddress` rows are accepted too.
    domains: str = "support.example.com"
    #: Largest message accepted (SMTP answers 552 above it).
    max_message_bytes: int = 25 * 1024 * 1024
    #: Largest attachment stored as a file; larger ones stay in the raw message only.
    max_attachment_bytes: int = 10 * 1024 * 1024
    #: Fence against loops and floods: at most this many tickets/replies per window for
    #: each key of an *unverified* mail (its connecting address, its envelope sender).
    rate_limit: int = 30
    rate_window: float = 3600.0
    #: The same for a *verified* sender, keyed by its authenticated domain (an outage
    #: burst of a real customer must get through).
    verified_rate_limit: int = 300
    #: Verify SPF/DKIM/DMARC/ARC of every inbound mail ("0" = off: every mail unverified).
    authenticate: int = 1
    #: What unverified mail may do: ``restricted`` (no page, no raised priority, ``[#N]``
    #: only from the ticket's people, no contact by domain) or ``trusted`` (as verified).
    unverified_mail: str = "restricted"
    #: A verified sender's new tickets page on-call once per this many seconds.
    page_coalesce_window: float = 600.0
    #: Seconds a DNS query may take (a failure is remembered for 30 s).
    dns_timeout: float = 2.0
    #: Secret of signed reply addresses ("" = derived from SECRET_KEY).
    reply_secret: str = ""
    #: A second secret still accepted while mail signed with it drains (rotation).
    previous_reply_secret: str = ""
    #: From address of outbound mail when the ticket did not arrive on a routed address.
    from_address: str = "support@support.example.com"
    #: YAML file of routes (addresses, IMAP mailboxes) loaded by ``sladesk run``.
    routes_file: str = ""
    #: IMAP polling interval of the background loop.
    imap_interval: float = 60.0
    #: How often the background loop looks for stored, unprocessed messages.
    process_interval: float = 1.0

    @property
    def dns_resolver(self) -> str:
        """``SLADESK_DNS_RESOLVER`` (``host:port``; blank = the system's resolvers)."""
        return str(
            getattr(settings, "SLADESK_DNS_RESOLVER", None)
            or os.environ.get("SLADESK_DNS_RESOLVER", "")
        )

    @property
    def trusted_authserv_ids(self) -> tuple[str, ...]:
        """``SLADESK_TRUSTED_AUTHSERV_IDS``: the authserv-ids whose ``Authentication-Results``
        count (a list or comma-separated; blank = none, every mail is verified here)."""
        raw = getattr(settings, "SLADESK_TRUSTED_AUTHSERV_IDS", None)
        if raw is None:
            raw = os.environ.get("SLADESK_TRUSTED_AUTHSERV_IDS", "")
        items = raw.split(",") if isinstance(raw, str) else list(raw)
        return tuple(i.strip().lower() for i in items if str(i).strip())

    @property
    def domain_set(self) -> frozenset[str]:
        return frozenset(d.strip().lower() for d in self.domains.split(",") if d.strip())

    @property
    def secrets(self) -> tuple[str, ...]:
        """Signing secret first, then the previous one (verification tries both)."""
        if self.reply_secret:
            keys = [self.reply_secret]
        else:  # derived from SECRET_KEY, and from its fallbacks while they are listed
            keys = [
                hmac.new(key.encode(), b"sladesk-reply-address", hashlib.sha256).hexdigest()
                for key in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ()))
            ]
        return tuple(keys + ([self.previous_reply_secret] if self.previous_reply_secret else []))


def conf() -> EmailConf:
    """The current settings (``settings.SLADESK_EMAIL`` > environment > defaults)."""
    overrides: dict[str, Any] = dict(getattr(settings, "SLADESK_EMAIL", {}) or {})
    bind = getattr(settings, "SLADESK_SMTP_BIND", None)
    if bind is not None:
        overrides.setdefault("smtp_bind", bind)
    values: dict[str, Any] = {}
    for f in fields(EmailConf):
        raw = overrides.get(f.name, os.environ.get(f"SLADESK_EMAIL_{f.name.upper()}"))
        if raw is None:
            continue
        if f.name == "domains" and not isinstance(raw, str):
            raw = ",".join(raw)
        kind = type(f.default)
        values[f.name] = kind(raw) if kind in (int, float) else str(raw)
    return EmailConf(**values)
