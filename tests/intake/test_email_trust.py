"""Mail you can trust (issue 13), end to end: SMTP on loopback, a real DNS server on
loopback serving acme's SPF, DKIM key and DMARC policy, the pipeline, the API and the desk.

Nothing of the verification is mocked: the DKIM key is made here and published in the zone.
"""

from __future__ import annotations

import smtplib
from collections.abc import Iterator

import pytest

from sladesk.intake import authentication
from sladesk.intake.models import InboundAddress, InboundMessage, InboundState
from sladesk.intake.pipeline import process_pending
from sladesk.notify.models import Page
from sladesk.tickets.models import Ticket
from support.dns_zone import DkimKey, DnsZone, make_dkim_key
from support.mail import DOMAIN, build_mail

pytestmark = pytest.mark.django_db(transaction=True)

ACME = "acme-robotics.example"
ALIAS = f"acme@{DOMAIN}"


@pytest.fixture(scope="module")
def acme_key() -> DkimKey:
    return make_dkim_key(ACME)


@pytest.fixture
def dns(loopback_dns: DnsZone, acme_key: DkimKey) -> Iterator[DnsZone]:
    """acme-robotics.example in the session's loopback DNS: SPF allows 127.0.0.1 (where the
    test's SMTP client connects from), a DKIM key, DMARC p=reject; a fresh resolver cache."""
    for name in (ACME, f"_dmarc.{ACME}", f"s1._domainkey.{ACME}"):
        loopback_dns.clear(name)
    loopback_dns.txt(ACME, "v=spf1 ip4:127.0.0.1 -all")
    loopback_dns.txt(f"_dmarc.{ACME}", "v=DMARC1; p=reject")
    acme_key.publish(loopback_dns)
    authentication._resolvers.clear()
    yield loopback_dns
    authentication._resolvers.clear()


@pytest.fixture
def robotics(make_org, make_contact, dns):
    """Acme Robotics (Particle enterprise: a P1 pages on creation), routed by its alias."""
    org = make_org(
        "particle-enterprise", region="na", name="Acme Robotics", allow_unknown_senders=True
    )
    make_contact(org, f"jane@{ACME}")
    InboundAddress.objects.create(address=ALIAS, organization=org, kind="customer")
    return org


def send(
    raw: bytes, port: int, *, mail_from: str, to: str = ALIAS, helo: str = f"mx.{ACME}"
) -> None:
    with smtplib.SMTP("127.0.0.1", port, local_hostname=helo, timeout=10) as client:
        client.sendmail(mail_from, [to], raw)


def outage(subject: str = "[P1] everything down", sender: str = f"jane@{ACME}", **kw) -> bytes:
    return build_mail(
        sender=sender, to=ALIAS, subject=subject, body="All robots offline.", verified=False, **kw
    )


def last_row() -> InboundMessage:
    return InboundMessage.objects.order_by("-id").first()


def test_signed_aligned_p1_pages_and_shows_verified(
    robotics, acme_key, smtp_server, agent, client_for
):
    # given a DKIM-signed [P1] from acme's server (SPF pass, DMARC aligned)
    send(acme_key.sign(outage()), smtp_server.port, mail_from=f"bounces@{ACME}")
    # when it is processed
    process_pending()
    row = last_row()
    ticket = row.ticket
    # then it is verified here, opens a P1 and pages on-call once
    assert (row.verdict, row.identity, row.peer_ip) == ("pass", ACME, "127.0.0.1")
    assert ticket.priority == "P1"
    pages = client_for(agent).get(f"/api/v1/pages/?ticket={ticket.pk}").json()["results"]
    assert (
        len(pages) == 1 and pages[0]["state"] == "triggered" and pages[0]["acknowledged_at"] is None
    )
    # and the API shows the message's authentication
    body = client_for(agent).get(f"/api/v1/tickets/{ticket.pk}/").json()
    auth = body["messages"][0]["authentication"]
    assert {k: auth[k] for k in ("spf", "dkim", "dmarc", "verdict", "source")} == {
        "spf": "pass",
        "dkim": "pass",
        "dmarc": "pass",
        "verdict": "pass",
        "source": "verified here",
    }
    # and the desk says so
    page = _desk(agent).get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "verified sender" in page and "unverified sender" not in page


def test_forged_p1_pages_nobody_and_shows_unverified(robotics, smtp_server, agent, client_for):
    # given the forgery: From acme, envelope attacker@evil.example, a [P1], and a
    # forged Authentication-Results claiming dmarc=pass from an authserv-id nobody trusts
    raw = outage(
        headers={"Authentication-Results": f"mx.evil.example; dmarc=pass header.from={ACME}"}
    )
    send(raw, smtp_server.port, mail_from="attacker@evil.example", helo="evil.example")
    # when it is processed
    process_pending()
    row = last_row()
    ticket = row.ticket
    # then a ticket opens (routing allows it) at the policy's default, with nobody paged
    assert row.state == InboundState.TICKET and row.verdict == "fail"
    assert ticket.priority == ticket.policy.default_priority != "P1"
    assert row.held == {
        "priority": "P1",
        "set_by": "customer",
        "page": ["P1 pages on-call on creation"],
    }
    assert client_for(agent).get(f"/api/v1/pages/?ticket={ticket.pk}").json()["results"] == []
    auth = (
        client_for(agent)
        .get(f"/api/v1/tickets/{ticket.pk}/")
        .json()["messages"][0]["authentication"]
    )
    assert (auth["dmarc"], auth["verdict"], auth["verified"]) == ("fail", "fail", False)
    desk = _desk(agent)
    html = desk.get(f"/desk/tickets/{ticket.pk}/").content.decode()
    assert "unverified sender" in html and "Confirm sender" in html
    # when an agent confirms the sender (the API action)
    body = client_for(agent).post(f"/api/v1/tickets/{ticket.pk}/confirm-sender/").json()
    # then the requested priority applies and on-call is paged, once, even if confirmed twice
    assert body["priority"] == "P1" and body["messages"][0]["authentication"]["verified"] is True
    client_for(agent).post(f"/api/v1/tickets/{ticket.pk}/confirm-sender/")
    assert Page.objects.filter(ticket=ticket).count() == 1
    assert "Confirm sender" not in desk.get(f"/desk/tickets/{ticket.pk}/").content.decode()


def test_confirm_sender_is_for_agents_only(robotics, make_contact, client_for, smtp_server):
    send(outage(), smtp_server.port, mail_from="attacker@evil.example", helo="evil.example")
    process_pending()
    ticket = last_row().ticket
    contact = make_contact(robotics, f"boss@{ACME}", login=True)
    assert (
        client_for(contact.user).post(f"/api/v1/tickets/{ticket.pk}/confirm-sender/").status_code
        == 403
    )
    assert client_for(contact.user).get(f"/api/v1/pages/?ticket={ticket.pk}").status_code == 403
    assert Ticket.objects.get(pk=ticket.pk).priority != "P1"


def test_trusted_and_untrusted_authentication_results(robotics, settings):
    from sladesk.intake.store import store_raw

    # given the company MTA (trusted) says dmarc=fail, and an untrusted server says pass
    settings.SLADESK_TRUSTED_AUTHSERV_IDS = ["mx.support.example.com"]
    failing = outage(
        headers={"Authentication-Results": f"mx.support.example.com; dmarc=fail header.from={ACME}"}
    )
    claimed = outage(
        subject="[P1] again",
        headers={
            "Authentication-Results": f"mx.other.example; spf=pass smtp.mailfrom={ACME};"
            f" dmarc=pass header.from={ACME}"
        },
    )
    # when both are processed (as if from the MTA: no SMTP peer address)
    store_raw(failing, envelope_from=f"jane@{ACME}", envelope_to=[ALIAS])
    store_raw(claimed, envelope_from=f"jane@{ACME}", envelope_to=[ALIAS])
    process_pending()
    first, second = InboundMessage.objects.order_by("id")
    # then the trusted header decides the first, and the untrusted one is ignored
    assert (first.verdict, first.authentication["source"]) == (
        "fail",
        "trusted header from mx.support.example.com",
    )
    assert second.authentication["source"] == "verified here" and second.verdict != "pass"
    assert not Page.objects.exists()


def test_forged_ticket_number_from_another_customer_does_not_thread(
    robotics, make_org, make_contact
):
    from sladesk.intake.store import store_raw

    # given acme's ticket #N, and a contact of another customer
    store_raw(
        build_mail(sender=f"jane@{ACME}", to=ALIAS, subject="Fleet offline"), envelope_to=[ALIAS]
    )
    process_pending()
    ticket = last_row().ticket
    other = make_org("particle-enterprise", region="na", name="Nordlicht")
    make_contact(other, "eve@nordlicht.example")
    InboundAddress.objects.create(address="hosting@freistilbox.example", kind="hosting")
    # when an unverified mail "from" that contact writes "Re: [#N]" to a shared address
    forged = build_mail(
        sender="eve@nordlicht.example",
        to="hosting@freistilbox.example",
        subject=f"Re: [#{ticket.pk}] Fleet offline",
        verified=False,
    )
    store_raw(
        forged,
        envelope_from="attacker@evil.example",
        envelope_to=["hosting@freistilbox.example"],
        peer_ip="192.0.2.66",
        helo="evil.example",
    )
    process_pending()
    row = last_row()
    # then it does not reach acme's ticket: the sender is not on that ticket's thread
    assert row.verdict != "pass" and row.ticket_id != ticket.pk
    assert ticket.messages.count() == 1
    # when the ticket's own requester writes "[#N]" unverified, it still threads (routing allows it)
    store_raw(
        build_mail(
            sender=f"jane@{ACME}",
            to="hosting@freistilbox.example",
            subject=f"Re: [#{ticket.pk}] Fleet offline",
            verified=False,
        ),
        envelope_to=["hosting@freistilbox.example"],
        peer_ip="192.0.2.67",
        helo="x",
    )
    process_pending()
    assert last_row().ticket_id == ticket.pk and ticket.messages.count() == 2


def test_unverified_mail_never_creates_a_contact_by_domain(robotics):
    from sladesk.accounts.models import Contact
    from sladesk.intake.store import store_raw

    # given acme's domain is one of its domains and it accepts unknown senders
    # when an unverified mail from spy2@acme-robotics.example arrives at its alias
    store_raw(
        outage(sender=f"spy2@{ACME}"),
        envelope_from="spy@evil.example",
        envelope_to=[ALIAS],
        peer_ip="192.0.2.9",
        helo="evil.example",
    )
    process_pending()
    row = last_row()
    # then it is quarantined and no contact was created
    assert (
        row.state == InboundState.QUARANTINED and "unverified mail never becomes one" in row.reason
    )
    assert not Contact.objects.filter(email=f"spy2@{ACME}").exists()


def test_forged_mails_cannot_starve_the_real_customer(
    robotics, acme_key, smtp_server, settings, client_for, agent
):
    # given the loop fence's default of 30 mails per key and hour
    settings.SLADESK_EMAIL = {**settings.SLADESK_EMAIL, "rate_limit": 30}
    # when 30 forged mails "from" acme arrive, then 5 more, then acme's real [P1]
    for i in range(35):
        send(
            outage(subject=f"[P1] fake {i}"),
            smtp_server.port,
            mail_from="attacker@evil.example",
            helo="evil.example",
        )
    send(
        acme_key.sign(outage(subject="[P1] REAL outage")),
        smtp_server.port,
        mail_from=f"bounces@{ACME}",
    )
    process_pending(limit=100)
    rows = list(InboundMessage.objects.order_by("id"))
    # then the forgeries are limited by *their* address and envelope (kept, as rate limited)
    assert [r.state for r in rows[:30]] == [InboundState.TICKET] * 30
    assert all(
        r.state == InboundState.QUARANTINED and r.reason.startswith("rate limited")
        for r in rows[30:35]
    )
    # and the real mail opens its P1 and pages on-call: the only page of all
    real = rows[35]
    assert (real.state, real.verdict, real.ticket.priority) == (InboundState.TICKET, "pass", "P1")
    assert list(Page.objects.values_list("ticket_id", flat=True)) == [real.ticket_id]
    quarantine = _desk(agent).get("/desk/mail/quarantine/").content.decode()
    assert "rate limited" in quarantine


def test_rotating_forged_senders_open_no_p1_and_page_nobody(robotics, smtp_server):
    # when 20 forged [P1] mails come with 20 different envelope senders
    for i in range(20):
        send(
            outage(subject=f"[P1] down {i}"),
            smtp_server.port,
            mail_from=f"x{i}@evil{i}.example",
            helo="evil",
        )
    process_pending(limit=100)
    # then none is P1 and nobody was paged
    assert not Ticket.objects.filter(priority="P1").exists()
    assert not Page.objects.exists()


def test_a_verified_outage_burst_opens_every_ticket_and_pages_once(robotics, acme_key, smtp_server):
    # when acme's people send 50 signed [P1] mails within a minute
    for i in range(50):
        send(
            acme_key.sign(outage(subject=f"[P1] site {i} down")),
            smtp_server.port,
            mail_from=f"bounces@{ACME}",
        )
    process_pending(limit=100)
    # then 50 P1 tickets open and on-call is paged once
    assert Ticket.objects.filter(priority="P1").count() == 50
    assert Page.objects.count() == 1
    assert InboundMessage.objects.filter(reason__contains="on-call already paged").count() == 49


def _desk(agent):
    from django.test import Client

    desk = Client()
    desk.force_login(agent)
    return desk


def test_the_demo_shows_a_forged_p1_as_unverified(loopback_dns):
    from sladesk.demo import data

    # given the demo desk (make run), whose MTA's verdicts are trusted
    data.load()
    # then its forged "[P1]" is an unverified ticket at the default priority, nobody paged
    row = InboundMessage.objects.get(message_id="<demo-forged-p1@evil.example>")
    assert (row.state, row.verdict) == (InboundState.TICKET, "fail")
    assert row.authentication["source"] == "trusted header from mx.support.example.com"
    assert row.ticket.priority == row.ticket.policy.default_priority
    assert row.held["priority"] == "P1" and not Page.objects.filter(ticket=row.ticket).exists()
