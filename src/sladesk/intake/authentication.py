"""The email channel's side of mail authentication: one cached resolver per process, and
the `MailAuthentication` of a stored message (`sladesk.intake.email.authenticate`).

Runs before the processing transaction (DNS never holds the write lock). Settings:
``SLADESK_DNS_RESOLVER`` (``host:port``), ``SLADESK_TRUSTED_AUTHSERV_IDS``,
``SLADESK_EMAIL["authenticate"]`` and ``["dns_timeout"]`` (see `sladesk.intake.conf`).
"""

from __future__ import annotations

import logging
import threading

from sladesk.intake.email import ParsedMessage
from sladesk.intake.email.authenticate import MailAuthentication, authenticate
from sladesk.intake.email.dnscache import CachingResolver

from .conf import EmailConf

__all__ = ["authenticate_message", "resolver"]

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_resolvers: dict[tuple[str, float], CachingResolver] = {}


def resolver(cfg: EmailConf) -> CachingResolver:
    """The process's resolver for the configured server (its cache lives as long as the
    process; a changed setting gets a new resolver)."""
    key = (cfg.dns_resolver, cfg.dns_timeout)
    with _lock:
        found = _resolvers.get(key)
        if found is None:
            found = _resolvers[key] = CachingResolver(cfg.dns_resolver, timeout=cfg.dns_timeout)
        return found


def authenticate_message(
    raw: bytes,
    parsed: ParsedMessage,
    *,
    envelope_from: str,
    peer_ip: str,
    helo: str,
    cfg: EmailConf,
) -> MailAuthentication:
    """The authentication of one stored message; off (``authenticate=0``) → verdict ``none``."""
    if not cfg.authenticate:
        return MailAuthentication(
            reason="authentication is switched off (SLADESK_EMAIL_AUTHENTICATE=0)"
        )
    from_domain = (parsed.from_address or "").rpartition("@")[2]
    try:
        return authenticate(
            raw,
            from_domain=from_domain,
            mail_from=envelope_from,
            peer_ip=peer_ip,
            helo=helo,
            resolver=resolver(cfg),
            trusted_authserv_ids=cfg.trusted_authserv_ids,
        )
    except Exception as exc:  # never lose a mail over its authentication: it stays unverified
        logger.exception("authentication failed")
        return MailAuthentication(reason=f"authentication failed: {type(exc).__name__}")
