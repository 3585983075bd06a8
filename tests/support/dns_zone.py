"""A real authoritative DNS server on 127.0.0.1:<ephemeral UDP port> serving test zones.

Built on dnslib's server (no mock: dnspython in sladesk sends real packets to it). Records
are added while it runs; a missing name answers NXDOMAIN and a missing type NOERROR with
no data, both with the zone's SOA in the authority section (negative TTL, RFC 2308), as a
real server does. ``queries`` counts the questions it answered.
"""

from __future__ import annotations

import base64
import threading
from collections import defaultdict
from dataclasses import dataclass, field

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dnslib import QTYPE, RCODE, RR, SOA, TXT, A, DNSLabel, DNSRecord
from dnslib.server import BaseResolver, DNSLogger, DNSServer

__all__ = ["DkimKey", "DnsZone", "make_dkim_key"]


class _Resolver(BaseResolver):
    def __init__(self, zone: DnsZone) -> None:
        self.zone = zone

    def resolve(self, request: DNSRecord, handler: object) -> DNSRecord:
        reply = request.reply()
        qname, qtype = str(request.q.qname).lower().rstrip("."), QTYPE[request.q.qtype]
        with self.zone.lock:
            self.zone.queries += 1
            records = self.zone.records.get(qname)
            found = [rr for rr in (records or []) if QTYPE[rr.rtype] == qtype]
        for rr in found:
            reply.add_answer(rr)
        if not found:
            if records is None:
                reply.header.rcode = RCODE.NXDOMAIN
            reply.add_auth(
                RR(
                    "example",
                    QTYPE.SOA,
                    ttl=self.zone.negative_ttl,
                    rdata=SOA(
                        "ns.example",
                        "hostmaster.example",
                        (1, 3600, 600, 86400, self.zone.negative_ttl),
                    ),
                )
            )
        return reply


_QUIET = DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data,-log_prefix")


@dataclass
class DnsZone:
    """The records served (name → RRs) and the running server's port."""

    negative_ttl: int = 300
    records: dict[str, list[RR]] = field(default_factory=lambda: defaultdict(list))
    queries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: DNSServer | None = None

    def start(self) -> DnsZone:
        self.records = defaultdict(list)
        self.server = DNSServer(_Resolver(self), port=0, address="127.0.0.1", logger=_QUIET)
        self.server.start_thread()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server.server.server_close()

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.server.server_address[1])

    @property
    def address(self) -> str:
        """``127.0.0.1:<port>``: the value of ``SLADESK_DNS_RESOLVER``."""
        return f"127.0.0.1:{self.port}"

    def txt(self, name: str, text: str, ttl: int = 3600) -> None:
        chunks = [text[i : i + 255] for i in range(0, len(text), 255)] or [""]
        with self.lock:
            self.records[name.lower()].append(
                RR(DNSLabel(name), QTYPE.TXT, ttl=ttl, rdata=TXT(chunks))
            )

    def a(self, name: str, address: str, ttl: int = 3600) -> None:
        with self.lock:
            self.records[name.lower()].append(
                RR(DNSLabel(name), QTYPE.A, ttl=ttl, rdata=A(address))
            )

    def clear(self, name: str) -> None:
        with self.lock:
            self.records.pop(name.lower(), None)


@dataclass(frozen=True)
class DkimKey:
    """An RSA key pair for DKIM: sign with `sign`; `publish` puts `record` at
    ``<selector>._domainkey.<domain>``."""

    domain: str
    selector: str
    private_pem: bytes
    record: str

    def sign(self, raw: bytes, *, domain: str | None = None) -> bytes:
        headers = [b"from", b"to", b"subject", b"date", b"message-id"]
        signature = dkim.sign(
            raw,
            self.selector.encode(),
            (domain or self.domain).encode(),
            self.private_pem,
            include_headers=headers,
        )
        return signature + raw

    def publish(self, zone: DnsZone) -> None:
        zone.txt(f"{self.selector}._domainkey.{self.domain}", self.record)


def make_dkim_key(domain: str, selector: str = "s1", bits: int = 2048) -> DkimKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return DkimKey(
        domain, selector, private, f"v=DKIM1; k=rsa; p={base64.b64encode(public).decode()}"
    )
