"""The demo's parts that belong to apps above the tickets: status pages, a forged mail shown
unverified, macros and a saved view, email aliases and routes, the scoped agent.

Each is called by `sladesk.demo.data.load` inside its transaction (the forged mail after
it); imports of the apps stay inside the functions so the demo loads whichever apps are
installed.
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.models import User

from sladesk.accounts.models import AgentProfile, Organization, Team

__all__ = [
    "EMAIL_ROUTES",
    "email_routes",
    "scoped_agent",
    "set_demo_aliases",
    "status_pages",
    "unverified_mail",
    "working_faster",
]


def status_pages(now: datetime) -> int:
    """The status pages of `sladesk.status.demo` (when that app is installed)."""
    from django.apps import apps

    if not apps.is_installed("sladesk.status"):
        return 0
    from sladesk.status.demo import load_pages

    return load_pages(now)


def unverified_mail(sender: str) -> None:
    """A forged "[P1]" in Acme's contact's name, as the company MTA delivers it with its
    verdict (``dmarc=fail``): the desk shows "unverified sender", the ticket is at the
    policy's default priority, nobody was paged, and "Confirm sender" applies the P1 and pages
    (docs/email.md). Processed after the demo's transaction, like any stored mail."""
    from sladesk.intake.pipeline import process
    from sladesk.intake.store import store_raw

    domain = sender.rpartition("@")[2]
    raw = (
        "Authentication-Results: mx.support.example.com; spf=fail smtp.mailfrom=evil.example;"
        f" dkim=none; dmarc=fail header.from={domain}\r\n"
        f"From: Acme contact <{sender}>\r\nTo: acme@support.example.com\r\n"
        "Subject: [P1] everything down\r\nDate: Tue, 24 Nov 2026 11:00:00 +0000\r\n"
        "Message-ID: <demo-forged-p1@evil.example>\r\n\r\nAll robots are offline, escalate now!\r\n"
    ).encode()
    process(
        store_raw(
            raw, envelope_from="attacker@evil.example", envelope_to=["acme@support.example.com"]
        ).pk
    )


#: Email routes (sladesk.intake): a per-customer alias for each Particle organization, and
#: freistilbox's four shared addresses (organization from the sender): address, org, team, kind.
EMAIL_ROUTES: list[tuple[str, str | None, str | None, str]] = [
    ("acme@support.example.com", "acme-robotics", None, "customer"),
    ("nordlicht@support.example.com", "nordlicht-iot", None, "customer"),
    ("fieldsense@support.example.com", "fieldsense", None, "customer"),
    ("info@freistilbox.example", None, None, "info"),
    ("support@freistilbox.example", None, "cloud-support", "support"),
    ("backoffice@freistilbox.example", None, "billing", "billing"),
    ("hosting@freistilbox.example", None, "devops", "hosting"),
]


def working_faster(agents: dict[str, User]) -> None:
    """Two shared macros, a personal one of the first agent, and a shared saved view."""
    from sladesk.desk.models import SavedView
    from sladesk.macros.models import Macro

    Macro.objects.create(
        name="Solved: please confirm",
        body="Hello {{ requester.name }},\n\nthe fix for ticket #{{ ticket.number }} is live. "
        "Reply to this "
        "ticket if anything is still wrong.\n\n{{ agent.first_name }}",
        status="solved",
    )
    Macro.objects.create(
        name="Need logs",
        body="Hello {{ requester.name }}, could you send us the device logs?",
        status="pending",
        tags="needs-logs",
        assign_to_me=True,
    )
    first = next(iter(agents.values()))
    Macro.objects.create(
        name="Looking into it",
        owner=first,
        body="Thanks, {{ requester.name }}: I am on it.",
        assign_to_me=True,
    )
    SavedView.objects.create(
        name="P1 newest", owner=None, query={"view": "all", "priority": "P1", "sort": "newest"}
    )


def set_demo_aliases(org: Organization, addresses: list[str]) -> None:
    """The organization's email aliases: email routes (`sladesk.intake.aliases`)."""
    from sladesk.intake.aliases import set_aliases

    if addresses:
        set_aliases(org, addresses)


def scoped_agent(
    orgs: dict[str, Organization],
    agent: tuple[str, str, str, str, list[str]],
    password: str,
) -> None:
    """The demo agent limited to some organizations (``agent``: username, first and last
    name, zone, organization slugs)."""
    username, first, last, zone, org_slugs = agent
    user = User.objects.create_user(
        username,
        f"{username}@sladesk.example",
        password,
        first_name=first,
        last_name=last,
        is_staff=True,
    )
    profile = AgentProfile.objects.create(user=user, timezone=zone)
    profile.scope_organizations.set([orgs[s] for s in org_slugs])


def email_routes(orgs: dict[str, Organization], teams: dict[str, Team]) -> None:
    from sladesk.intake.models import InboundAddress

    for address, org, team, kind in EMAIL_ROUTES:
        InboundAddress.objects.create(
            address=address,
            organization=orgs[org] if org else None,
            team=teams[team] if team else None,
            kind=kind,
        )
