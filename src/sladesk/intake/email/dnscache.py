"""DNS for mail authentication: one resolver (dnspython), answers cached as long as their TTL.

SPF, DKIM, DMARC and ARC ask few names again and again (a customer's SPF record, its DKIM
key, its ``_dmarc`` policy). `CachingResolver` keeps every answer — positive or negative —
until its TTL runs out (negative answers: the SOA ``minimum`` of the zone's authority
section, RFC 2308, at most `NEGATIVE_TTL_MAX`), so a warm cache answers without a packet and
in about a microsecond. Failures (timeout, SERVFAIL, no server) raise `DnsTemporaryError`,
which the checks turn into ``temperror``, and are remembered for `TEMPFAIL_TTL` seconds
(RFC 2308 §7), so an unreachable resolver costs one timeout per name, not one per mail.

``nameserver`` is ``host:port`` (``SLADESK_DNS_RESOLVER``; the port defaults to 53); blank
uses the system's resolver configuration. ``clock`` (seconds, monotonic) is injectable so
tests can expire entries without sleeping.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import dns.exception
import dns.message
import dns.name
import dns.rdatatype
import dns.resolver

__all__ = ["NEGATIVE_TTL_MAX", "TEMPFAIL_TTL", "CachingResolver", "DnsTemporaryError"]

#: Longest time a "no such name / no such record" answer is kept (seconds).
NEGATIVE_TTL_MAX = 900.0
#: How long a failed query (timeout, SERVFAIL) is answered from the cache as failed.
TEMPFAIL_TTL = 30.0
_FAILED: tuple[Any, ...] = (object(),)  # the cached marker of a failure (compared by identity)
_NEGATIVE_TTL_DEFAULT = 60.0
_MAX_ENTRIES = 50_000

Answer = tuple[tuple[Any, ...], ...]


class DnsTemporaryError(Exception):
    """The DNS gave no usable answer now (timeout, SERVFAIL, unreachable): try again later."""


class CachingResolver:
    """A stub resolver whose answers are cached per ``(name, type)`` for their TTL.

    Values by type: ``TXT`` → tuple of ``bytes`` (the character-strings of one record
    joined), ``A``/``AAAA`` → address strings, ``MX`` → ``(preference, exchange)``,
    ``PTR`` → target names. An empty tuple means the name or the record does not exist.
    Thread-safe: the SMTP server's and the processing loop's threads share one instance.
    """

    def __init__(
        self,
        nameserver: str = "",
        *,
        timeout: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.nameserver = nameserver
        self.clock = clock
        self.queries = 0  # packets asked (for tests and benchmarks)
        self._lock = threading.Lock()
        self._cache: dict[tuple[str, str], tuple[float, Answer]] = {}
        #: results derived from cached answers, with the expiry of the earliest (`remember`)
        self.derived: dict[Any, tuple[float, Any]] = {}
        if nameserver:
            host, port = _host_port(nameserver)
            resolver = dns.resolver.Resolver(configure=False)
            resolver.nameservers = [host]
            resolver.port = port
        else:
            resolver = dns.resolver.Resolver()
        resolver.lifetime = timeout
        resolver.timeout = timeout
        self._resolver = resolver

    def query(self, name: str, qtype: str) -> Answer:
        """The records of ``qtype`` at ``name`` (see the class docstring), from the cache
        while fresh. Raises `DnsTemporaryError` when the DNS cannot answer now."""
        key = (name.lower().rstrip("."), qtype)
        now = self.clock()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            if hit[1] is _FAILED:
                raise DnsTemporaryError(
                    f"DNS {qtype} {key[0]}: failed within the last {TEMPFAIL_TTL:g} s"
                )
            return hit[1]
        try:
            answer, ttl = self._ask(key[0], qtype)
        except DnsTemporaryError:
            with self._lock:  # RFC 2308 §7: remember the failure briefly, not every mail's timeout
                self._cache[key] = (now + TEMPFAIL_TTL, _FAILED)
            raise
        with self._lock:
            if len(self._cache) >= _MAX_ENTRIES:
                self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
                if len(self._cache) >= _MAX_ENTRIES:
                    self._cache.clear()
            self._cache[key] = (now + ttl, answer)
        return answer

    def expires(self, name: str, qtype: str) -> float:
        """When the cached answer for ``(name, qtype)`` expires (``clock`` seconds; 0 if none)."""
        hit = self._cache.get((name.lower().rstrip("."), qtype))
        return hit[0] if hit is not None else 0.0

    def remember(self, key: Any, value: Any, until: float) -> None:
        """Keep a result derived from cached answers (an SPF verdict) until ``until`` — the
        earliest expiry of the answers it was derived from, so it is never staler than they."""
        with self._lock:
            if len(self.derived) >= _MAX_ENTRIES:
                self.derived.clear()
            self.derived[key] = (until, value)

    def recall(self, key: Any) -> Any:
        """What `remember` kept under ``key`` while it is fresh, else None."""
        hit = self.derived.get(key)
        return hit[1] if hit is not None and hit[0] > self.clock() else None

    def txt(self, name: str) -> tuple[bytes, ...]:
        """The TXT records at ``name``, each one's strings joined (RFC 7208 §3.3)."""
        return tuple(bytes(v) for v in self.query(name, "TXT"))

    def _ask(self, name: str, qtype: str) -> tuple[Answer, float]:
        self.queries += 1
        try:
            result = self._resolver.resolve(name, qtype, search=False, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN as missing:
            return (), _negative_ttl(missing.kwargs.get("responses", {}).values())
        except (
            dns.exception.Timeout,
            dns.resolver.NoNameservers,
            dns.resolver.LifetimeTimeout,
            OSError,
        ) as exc:
            raise DnsTemporaryError(f"DNS {qtype} {name}: {type(exc).__name__}") from exc
        except (
            dns.name.EmptyLabel,
            dns.name.LabelTooLong,
            dns.name.NameTooLong,
            dns.name.BadEscape,
        ):
            return (), _NEGATIVE_TTL_DEFAULT  # not a valid name: it has no records
        except dns.exception.DNSException as exc:
            raise DnsTemporaryError(f"DNS {qtype} {name}: {type(exc).__name__}") from exc
        if result.rrset is None:
            return (), _negative_ttl([result.response])
        values = tuple(_value(rdata, qtype) for rdata in result.rrset)
        return values, float(max(result.rrset.ttl, 0))


def _host_port(value: str) -> tuple[str, int]:
    """``host:port``, ``[v6]:port``, a bare IPv4/IPv6 address (port 53)."""
    value = value.strip()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        return host, int(rest.lstrip(":") or 53)
    if value.count(":") == 1:
        host, _, port = value.partition(":")
        return host, int(port or 53)
    return value, 53


def _negative_ttl(responses: Any) -> float:
    """RFC 2308 §5: the SOA's ``minimum`` (bounded by the SOA record's own TTL)."""
    for response in responses:
        for rrset in getattr(response, "authority", ()):
            if rrset.rdtype == dns.rdatatype.SOA and len(rrset):
                return float(min(rrset.ttl, rrset[0].minimum, NEGATIVE_TTL_MAX))
    return _NEGATIVE_TTL_DEFAULT


def _value(rdata: Any, qtype: str) -> Any:
    if qtype in ("TXT", "SPF"):
        return b"".join(rdata.strings)
    if qtype in ("A", "AAAA"):
        return str(rdata.address)
    if qtype == "MX":
        return (int(rdata.preference), rdata.exchange.to_text(omit_final_dot=True))
    if qtype == "PTR":
        return rdata.target.to_text(omit_final_dot=True)
    return rdata.to_text()
