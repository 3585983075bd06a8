"""Mail authentication against a real DNS server on loopback (tests/support/dns_zone.py):
SPF, DKIM with keys made here and published in the zone, DMARC alignment, trusted and
untrusted Authentication-Results, and the TTL cache. Nothing about the checks is mocked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sladesk.intake.email.authenticate import authenticate, organizational_domain
from sladesk.intake.email.dnscache import CachingResolver, DnsTemporaryError
from support.dns_zone import DkimKey, DnsZone, make_dkim_key

ACME = "acme-robotics.example"


@pytest.fixture(scope="module")
def key() -> DkimKey:
    return make_dkim_key(ACME)


@pytest.fixture
def zone(key: DkimKey) -> Iterator[DnsZone]:
    """acme-robotics.example: SPF allows 127.0.0.1, a DKIM key, DMARC p=reject."""
    dns = DnsZone().start()
    dns.txt(ACME, "v=spf1 ip4:127.0.0.1 -all")
    dns.txt(f"_dmarc.{ACME}", "v=DMARC1; p=reject; rua=mailto:d@acme-robotics.example")
    key.publish(dns)
    yield dns
    dns.stop()


@pytest.fixture
def resolver(zone: DnsZone) -> CachingResolver:
    return CachingResolver(zone.address, timeout=2)


def mail(
    sender: str = f"jane@{ACME}", subject: str = "[P1] everything down", extra: str = ""
) -> bytes:
    return (
        f"From: Jane <{sender}>\r\nTo: acme@support.example.com\r\nSubject: {subject}\r\n"
        f"Date: Fri, 04 Dec 2026 15:00:00 +0000\r\nMessage-ID: <x1@{ACME}>\r\n{extra}\r\n"
        "All robots are offline.\r\n"
    ).encode()


def test_signed_spf_passing_aligned_mail_is_verified(key, resolver):
    # given a DKIM-signed mail from acme's own server address with acme's envelope sender
    raw = key.sign(mail())
    # when it is authenticated
    result = authenticate(
        raw,
        from_domain=ACME,
        mail_from=f"bounce@{ACME}",
        peer_ip="127.0.0.1",
        helo="mx.acme-robotics.example",
        resolver=resolver,
    )
    # then SPF, DKIM and DMARC pass and the identity is acme's domain
    assert (result.spf, result.dkim, result.dmarc, result.verdict) == (
        "pass",
        "pass",
        "pass",
        "pass",
    )
    assert result.identity == ACME and result.source == "verified here"
    assert result.dkim_domains == (ACME,)


def test_forged_from_with_attacker_envelope_fails_dmarc(resolver):
    # given the forgery: From acme, envelope attacker@evil.example, no signature,
    # and a forged "dmarc=pass" header from an authserv-id nobody trusts
    raw = mail(
        extra="Authentication-Results: mx.support.example.com;"
        " dmarc=pass header.from=acme-robotics.example\r\n"
    )
    # when it is authenticated without trusted ids
    result = authenticate(
        raw,
        from_domain=ACME,
        mail_from="attacker@evil.example",
        peer_ip="127.0.0.1",
        helo="evil.example",
        resolver=resolver,
    )
    # then the forged header is ignored and DMARC fails
    assert result.spf == "none" and result.dkim == "none"
    assert (result.dmarc, result.verdict, result.identity) == ("fail", "fail", "")


def test_spf_pass_of_another_domain_is_not_aligned(zone, resolver):
    # given evil.example whose SPF allows the connecting address
    zone.txt("evil.example", "v=spf1 ip4:127.0.0.1 -all")
    # when it sends "From: acme" with its own envelope sender
    result = authenticate(
        mail(),
        from_domain=ACME,
        mail_from="x@evil.example",
        peer_ip="127.0.0.1",
        helo="evil.example",
        resolver=resolver,
    )
    # then SPF passes for evil.example but is not aligned: DMARC fails
    assert (result.spf, result.spf_domain) == ("pass", "evil.example")
    assert (result.dmarc, result.verdict) == ("fail", "fail")


def test_spf_from_a_foreign_address_fails(resolver):
    # given acme's own envelope sender from an address its SPF does not list
    result = authenticate(
        mail(),
        from_domain=ACME,
        mail_from=f"jane@{ACME}",
        peer_ip="192.0.2.7",
        helo="x",
        resolver=resolver,
    )
    # then SPF fails and so does the verdict
    assert (result.spf, result.verdict) == ("fail", "fail")


def test_tampered_body_breaks_the_signature(key, resolver):
    # given a signed mail whose body was changed after signing
    raw = key.sign(mail()).replace(b"offline", b"online!")
    # when it arrives without SPF (IMAP: no connecting address)
    result = authenticate(raw, from_domain=ACME, resolver=resolver)
    # then DKIM fails and the mail is not verified
    assert (result.dkim, result.spf, result.verdict) == ("fail", "none", "fail")


def test_signature_by_an_unrelated_domain_does_not_verify_the_from(zone, resolver):
    # given evil.example signs (validly) a mail whose From is acme
    evil = make_dkim_key("evil.example", bits=1024)
    evil.publish(zone)
    raw = evil.sign(mail())
    # when it is authenticated
    result = authenticate(raw, from_domain=ACME, resolver=resolver)
    # then DKIM passes for evil.example, yet nothing aligned passed
    assert result.dkim == "pass" and result.dkim_domains == ("evil.example",)
    assert result.verdict == "fail"


def test_relaxed_alignment_takes_a_subdomain_signature(zone, resolver):
    # given acme signs as mail.acme-robotics.example (the key published there)
    sub = make_dkim_key(f"mail.{ACME}", bits=1024)
    sub.publish(zone)
    # when the From is the organizational domain
    result = authenticate(sub.sign(mail()), from_domain=ACME, resolver=resolver)
    # then relaxed alignment accepts it
    assert result.verdict == "pass" and result.identity == ACME


def test_no_dmarc_record_still_verifies_an_aligned_signature(zone, resolver):
    # given a domain with a DKIM key but no DMARC record
    other = make_dkim_key("nordlicht.example", bits=1024)
    other.publish(zone)
    raw = other.sign(mail(sender="ops@nordlicht.example"))
    # when it is authenticated
    result = authenticate(raw, from_domain="nordlicht.example", resolver=resolver)
    # then DMARC is "none" (no policy) but the aligned signature makes it verified
    assert (result.dmarc, result.verdict) == ("none", "pass")


def test_unsigned_mail_of_a_domain_without_records_is_none(resolver):
    result = authenticate(
        mail(sender="a@unknown.example"), from_domain="unknown.example", resolver=resolver
    )
    assert (result.spf, result.dkim, result.dmarc, result.verdict) == (
        "none",
        "none",
        "none",
        "none",
    )


def test_trusted_authentication_results_are_used_and_others_ignored(resolver):
    # given two headers: the company MTA's (trusted) on top, a forged one below
    raw = mail(
        extra=(
            "Authentication-Results: mx.support.example.com;"
            " spf=pass smtp.mailfrom=acme-robotics.example;"
            " dkim=pass header.d=acme-robotics.example;"
            " dmarc=pass header.from=acme-robotics.example\r\n"
            "Authentication-Results: evil.example; dmarc=fail\r\n"
        )
    )
    # when mx.support.example.com is trusted
    result = authenticate(
        raw,
        from_domain=ACME,
        peer_ip="10.0.0.1",
        resolver=resolver,
        trusted_authserv_ids=["mx.support.example.com"],
    )
    # then its results count, with where they came from
    assert (result.spf, result.dkim, result.dmarc, result.verdict) == (
        "pass",
        "pass",
        "pass",
        "pass",
    )
    assert result.source == "trusted header from mx.support.example.com"


def test_trusted_header_saying_fail_is_a_fail(resolver):
    raw = mail(
        extra="Authentication-Results: mx.support.example.com;"
        " spf=fail smtp.mailfrom=evil.example; dmarc=fail"
        " header.from=acme-robotics.example\r\n"
    )
    result = authenticate(
        raw, from_domain=ACME, resolver=resolver, trusted_authserv_ids=["mx.support.example.com"]
    )
    assert (result.dmarc, result.verdict) == ("fail", "fail")
    assert result.source.startswith("trusted header")


def test_untrusted_header_only_means_verified_here(key, resolver):
    # given only an untrusted header claiming pass, on a mail nobody signed
    raw = mail(
        extra="Authentication-Results: mx.evil.example;"
        " dmarc=pass header.from=acme-robotics.example\r\n"
    )
    result = authenticate(
        raw, from_domain=ACME, resolver=resolver, trusted_authserv_ids=["mx.support.example.com"]
    )
    # then the desk checks it itself, and it fails
    assert result.source == "verified here" and result.verdict == "fail"


def test_answers_are_cached_for_their_ttl(zone, key):
    # given a resolver with a clock the test moves
    at = [0.0]
    resolver = CachingResolver(zone.address, timeout=2, clock=lambda: at[0])
    raw = key.sign(mail())
    authenticate(
        raw,
        from_domain=ACME,
        mail_from=f"b@{ACME}",
        peer_ip="127.0.0.1",
        helo="h",
        resolver=resolver,
    )
    asked = zone.queries
    # when the same mail is checked again within the TTL
    authenticate(
        raw,
        from_domain=ACME,
        mail_from=f"b@{ACME}",
        peer_ip="127.0.0.1",
        helo="h",
        resolver=resolver,
    )
    # then no packet goes out
    assert zone.queries == asked
    # when the TTLs (3600 s positive, 300 s negative) have passed
    at[0] = 4000.0
    authenticate(
        raw,
        from_domain=ACME,
        mail_from=f"b@{ACME}",
        peer_ip="127.0.0.1",
        helo="h",
        resolver=resolver,
    )
    # then the DNS is asked again
    assert zone.queries > asked


def test_unreachable_dns_is_a_temporary_error_not_a_pass(key):
    # given a resolver pointing at a port where no DNS server answers
    resolver = CachingResolver("127.0.0.1:9", timeout=0.3)
    with pytest.raises(DnsTemporaryError):
        resolver.txt(ACME)
    # when a signed mail is authenticated
    result = authenticate(key.sign(mail()), from_domain=ACME, resolver=resolver)
    # then it is not verified, and says why
    assert result.dkim == "temperror" and result.verdict == "none"


@pytest.mark.parametrize(
    ("domain", "org"),
    [
        ("mail.acme-robotics.example", "acme-robotics.example"),
        ("acme-robotics.example", "acme-robotics.example"),
        ("a.b.example.co.uk", "example.co.uk"),
        ("x.github.io", "x.github.io"),
    ],
)
def test_organizational_domain(domain, org):
    assert organizational_domain(domain) == org


def test_a_failing_resolver_is_asked_once_per_name_within_the_tempfail_ttl():
    # given a resolver at a port where nothing answers, with a clock the test moves
    at = [0.0]
    resolver = CachingResolver("127.0.0.1:9", timeout=0.3, clock=lambda: at[0])
    with pytest.raises(DnsTemporaryError):
        resolver.txt(ACME)
    asked = resolver.queries
    # when the same name is asked again within 30 s
    with pytest.raises(DnsTemporaryError, match="failed within the last"):
        resolver.txt(ACME)
    # then no packet went out (no second timeout); after 30 s it is asked again
    assert resolver.queries == asked
    at[0] = 31.0
    with pytest.raises(DnsTemporaryError):
        resolver.txt(ACME)
    assert resolver.queries == asked + 1


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:5353", ("127.0.0.1", 5353)),
        ("10.0.0.2", ("10.0.0.2", 53)),
        ("[::1]:5353", ("::1", 5353)),
        ("::1", ("::1", 53)),
    ],
)
def test_resolver_addresses(value, expected):
    from sladesk.intake.email.dnscache import _host_port

    assert _host_port(value) == expected


@pytest.fixture(scope="module")
def quiet_zone() -> Iterator[DnsZone]:
    dns = DnsZone().start()
    yield dns
    dns.stop()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    raw=st.binary(max_size=3000),
    domain=st.sampled_from(["", "acme-robotics.example", "x.co.uk", "bad..name"]),
)
def test_authenticate_never_raises_and_never_passes_garbage(quiet_zone, raw, domain):
    # property: any bytes, any From domain → a result; nothing signed or published → no pass
    resolver = CachingResolver(quiet_zone.address, timeout=1)
    result = authenticate(
        b"DKIM-Signature: v=1; d=x; b=\r\n" + raw,
        from_domain=domain,
        mail_from=f"a@{domain}",
        peer_ip="127.0.0.1",
        helo="h",
        resolver=resolver,
        trusted_authserv_ids=["mx.support.example.com"],
    )
    assert result.verdict in ("fail", "none")
    assert result.identity == ""
