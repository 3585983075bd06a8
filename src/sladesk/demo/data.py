"""The demo desk: an organization per seed policy, people, teams and tickets around now.

`load()` is idempotent: it does nothing when the demo admin already exists. Tickets are
opened through `sladesk.tickets.services` at instants relative to now (the clock is moved
with `sladesk.core.time.travel`), so their SLA clocks, events and deadlines are exactly
what the services would have produced live; some are close to breach, some breached.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from sladesk.accounts.models import AccountTeamMember, AgentProfile, Contact, Organization, Team
from sladesk.core import time as core_time
from sladesk.tickets import services
from sladesk.tickets.models import Ticket

from . import extras
from .oncall import load_oncall

__all__ = ["AGENTS", "ORGANIZATIONS", "DemoLogin", "load", "logins"]

DEMO_PASSWORD = "demo"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    note: str


#: slug, name, policy, plan, region, timezone, aliases, contact login, account team role
ORGANIZATIONS: list[dict[str, Any]] = [
    dict(
        slug="acme-robotics",
        name="Acme Robotics",
        policy="particle-enterprise",
        plan="",
        region="na",
        timezone="America/Los_Angeles",
        aliases=["acme@particle.io"],
        login="acme",
        role=AccountTeamMember.TECHNICAL_ACCOUNT_MANAGER,
    ),
    dict(
        slug="nordlicht-iot",
        name="Nordlicht IoT",
        policy="particle-enterprise",
        plan="",
        region="emea",
        timezone="Europe/London",
        aliases=["nordlicht@particle.io"],
        login="nordlicht",
        role=AccountTeamMember.TECHNICAL_ACCOUNT_MANAGER,
    ),
    dict(
        slug="fieldsense",
        name="FieldSense",
        policy="particle-accelerator",
        plan="",
        region="na",
        timezone="America/Chicago",
        aliases=[],
        login="fieldsense",
        role=AccountTeamMember.TECHNICAL_ACCOUNT_MANAGER,
    ),
    dict(
        slug="kiosko",
        name="Kiosko Retail",
        policy="esper",
        plan="premium",
        region="",
        timezone="America/New_York",
        aliases=[],
        login="kiosko",
        role=None,
    ),
    dict(
        slug="brightmetrics",
        name="BrightMetrics",
        policy="houseware",
        plan="",
        region="",
        timezone="Asia/Kolkata",
        aliases=[],
        login="bright",
        role=AccountTeamMember.CUSTOMER_SUCCESS_MANAGER,
    ),
    dict(
        slug="webwerk",
        name="Webwerk Agentur",
        policy="freistilbox",
        plan="standard",
        region="",
        timezone="Europe/Berlin",
        aliases=[],
        login="webwerk",
        role=None,
    ),
    dict(
        slug="shopfabrik",
        name="Shopfabrik",
        policy="freistilbox",
        plan="enterprise",
        region="",
        timezone="Europe/Berlin",
        aliases=[],
        login="shopfabrik",
        role=None,
    ),
]

TEAMS = [
    ("product-support", "Product support"),
    ("cloud-support", "Cloud support"),
    ("devops", "DevOps/engineering"),
    ("billing", "Billing"),
]

#: username, first name, last name, zone, team slugs
AGENTS = [
    ("alice", "Alice", "Adams", "America/Los_Angeles", ["product-support", "cloud-support"]),
    ("bob", "Bob", "Berg", "Europe/Berlin", ["cloud-support", "devops"]),
    ("carol", "Carol", "Chen", "Asia/Kolkata", ["product-support", "billing"]),
]

#: A scoped agent (docs/api.md, "Agent scopes"): username, names, zone, the organizations
#: (slugs) it may see. Not among the agents tickets are dealt to.
SCOPED_AGENT = ("dana", "Dana", "Dietz", "Europe/Berlin", ["webwerk", "shopfabrik"])

# (org slug, subject, priority, hours ago, fields, tags, then) — ``then`` moves the ticket.
_TICKETS: list[tuple[str, str, str, float, dict[str, Any], list[str], str]] = [
    (
        "acme-robotics",
        "Fleet offline after OTA to 5.8.0",
        "P1",
        0.7,
        {"device_os_supported": True},
        [],
        "new",
    ),
    (
        "acme-robotics",
        "Cellular reconnects every 10 minutes",
        "P2",
        3.2,
        {"device_os_supported": True},
        [],
        "new",
    ),
    ("acme-robotics", "Invoice shows wrong SIM count", "P3", 30, {}, [], "replied"),
    ("acme-robotics", "Question about Device OS LTS", "P4", 80, {}, [], "solved"),
    (
        "acme-robotics",
        "Tracker firmware 1.5 crashes",
        "P1",
        5,
        {"device_os_supported": False},
        [],
        "assigned",
    ),
    ("acme-robotics", "Webhook latency spikes", "P2", 50, {}, [], "pending"),
    (
        "nordlicht-iot",
        "Boron units drop off the cloud",
        "P2",
        2,
        {"device_os_supported": True},
        [],
        "new",
    ),
    (
        "nordlicht-iot",
        "Need help with ledger sync",
        "P3",
        20,
        {"environment": "development"},
        [],
        "replied",
    ),
    ("nordlicht-iot", "Console login loop", "P2", 70, {}, [], "solved"),
    (
        "fieldsense",
        "Sensors stuck in safe mode",
        "P1",
        0.6,
        {"device_os_supported": True},
        [],
        "new",
    ),
    ("fieldsense", "Bulk claim of 2,000 devices", "P3", 12, {}, [], "assigned"),
    ("fieldsense", "OTA rollback procedure", "P4", 100, {}, [], "closed"),
    ("fieldsense", "Billing portal shows old plan", "P3", 40, {}, [], "pending"),
    (
        "kiosko",
        "DPC update broke kiosks in 40 stores",
        "Sev3",
        3.5,
        {"devices_affected": 900},
        [],
        "replied",
    ),
    ("kiosko", "Apps fail to install from MDM", "Sev2", 1, {"devices_affected": 120}, [], "new"),
    (
        "kiosko",
        "Policy change not reflected on device",
        "Sev3",
        26,
        {"devices_affected": 3},
        [],
        "replied",
    ),
    ("kiosko", "Feature request: scheduled reboots", "Sev4", 60, {}, [], "solved"),
    ("kiosko", "Esper console unavailable", "Sev1", 2, {}, [], "assigned"),
    ("brightmetrics", "Dashboards time out", "P0", 20, {}, [], "new"),
    ("brightmetrics", "Chart colours wrong in dark mode", "P3", 5, {}, [], "triaged"),
    ("brightmetrics", "SSO users cannot log in", "P1", 30, {}, [], "replied"),
    ("brightmetrics", "How to export to CSV?", "P3", 90, {}, [], "solved"),
    (
        "webwerk",
        "Production site returns 503",
        "urgent",
        0.4,
        {},
        ["cluster:c42", "website:webwerk.de"],
        "new",
    ),
    (
        "webwerk",
        "Slow admin pages",
        "high",
        2.5,
        {},
        ["cluster:c42", "website:shop.webwerk.de"],
        "new",
    ),
    ("webwerk", "New SSL certificate for staging", "normal", 14, {}, ["cluster:c17"], "assigned"),
    ("webwerk", "Cron jobs twice per night", "low", 45, {}, ["cluster:c17"], "pending"),
    (
        "shopfabrik",
        "Checkout down",
        "urgent",
        0.3,
        {},
        ["cluster:c08", "website:shopfabrik.com"],
        "new",
    ),
    ("shopfabrik", "Varnish cache misses", "high", 3, {}, ["cluster:c08"], "replied"),
    ("shopfabrik", "Database import help", "normal", 23, {}, ["cluster:c08"], "assigned"),
    ("shopfabrik", "Backup retention question", "low", 120, {}, [], "closed"),
]


def logins() -> list[DemoLogin]:
    """The demo logins printed by ``sladesk run`` and listed in the README."""
    out = [DemoLogin("admin", "admin", "admin", "superuser, /admin/")]
    out += [DemoLogin(a[0], DEMO_PASSWORD, "agent", ", ".join(a[4])) for a in AGENTS]
    out.append(
        DemoLogin(
            SCOPED_AGENT[0], DEMO_PASSWORD, "agent", "scoped to " + ", ".join(SCOPED_AGENT[4])
        )
    )
    out += [
        DemoLogin(
            o["login"],
            DEMO_PASSWORD,
            "contact",
            f"{o['name']} ({o['policy']}"
            + (f", {o['plan']}" if o["plan"] else "")
            + (f", {o['region']}" if o["region"] else "")
            + ")",
        )
        for o in ORGANIZATIONS
    ]
    return out


def load(*, now: datetime | None = None, stdout: Callable[[str], None] = lambda s: None) -> bool:
    """Create the demo desk unless it exists; returns whether anything was created."""
    if User.objects.filter(username="admin").exists():
        stdout("demo data already loaded")
        return False
    now = now or core_time.now()
    with transaction.atomic():
        admin = User.objects.create_superuser("admin", "admin@sladesk.example", "admin")
        teams = {slug: Team.objects.create(slug=slug, name=name) for slug, name in TEAMS}
        agents: dict[str, User] = {}
        for username, first, last, zone, team_slugs in AGENTS:
            user = User.objects.create_user(
                username,
                f"{username}@sladesk.example",
                DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                is_staff=True,
            )
            profile = AgentProfile.objects.create(user=user, timezone=zone)
            profile.teams.set([teams[s] for s in team_slugs])
            agents[username] = user
        teams["product-support"].oncall_user = agents["alice"]
        teams["product-support"].save()
        teams["devops"].oncall_user = agents["bob"]
        teams["devops"].save()
        orgs: dict[str, Organization] = {}
        contacts: dict[str, Contact] = {}
        for spec in ORGANIZATIONS:
            org = Organization.objects.create(
                slug=spec["slug"],
                name=spec["name"],
                policy_name=spec["policy"],
                plan=spec["plan"],
                region=spec["region"],
                timezone=spec["timezone"],
                allow_unknown_senders=bool(spec["aliases"]),
            )
            extras.set_demo_aliases(org, spec["aliases"])
            if spec["role"]:
                AccountTeamMember.objects.create(
                    organization=org, user=agents["alice"], role=spec["role"]
                )
                if spec["policy"] == "particle-accelerator":  # "more than a single individual"
                    AccountTeamMember.objects.create(
                        organization=org, user=agents["bob"], role=spec["role"]
                    )
                if spec["policy"] == "houseware":  # the first rung of its escalation ladder
                    AccountTeamMember.objects.create(
                        organization=org, user=agents["carol"], role="Customer Happiness Manager"
                    )
            user = User.objects.create_user(
                spec["login"],
                f"{spec['login']}@{spec['slug']}.example",
                DEMO_PASSWORD,
                first_name=spec["name"].split()[0],
            )
            contacts[spec["slug"]] = Contact.objects.create(
                organization=org,
                user=user,
                email=user.email,
                name=f"{spec['name']} contact",
                timezone=spec["timezone"],
            )
            orgs[spec["slug"]] = org
        extras.scoped_agent(orgs, SCOPED_AGENT, DEMO_PASSWORD)
        extras.email_routes(orgs, teams)
        members = {slug: [u for u, *_, slugs in AGENTS if slug in slugs] for slug in teams}
        load_oncall(now, teams, members)
        count = 0
        for i, (slug, subject, priority, hours_ago, fields, tags, then) in enumerate(_TICKETS):
            _demo_ticket(
                now,
                orgs[slug],
                contacts[slug],
                agents,
                teams,
                i,
                subject,
                priority,
                hours_ago,
                fields,
                tags,
                then,
            )
            count += 1
        pages = extras.status_pages(now)
        extras.working_faster(agents)
        stdout(
            f"demo data: {len(orgs)} organizations, {len(agents)} agents, {count} tickets, "
            f"{pages} status pages (admin {admin})"
        )
    extras.unverified_mail(contacts["acme-robotics"].email)
    return True


def _demo_ticket(
    now: datetime,
    org: Organization,
    contact: Contact,
    agents: dict[str, User],
    teams: dict[str, Team],
    i: int,
    subject: str,
    priority: str,
    hours_ago: float,
    fields: dict[str, Any],
    tags: list[str],
    then: str,
) -> Ticket:
    opened = now - timedelta(hours=hours_ago)
    agent = list(agents.values())[i % len(agents)]
    team = list(teams.values())[i % len(teams)]
    step = min(timedelta(hours=hours_ago) / 3, timedelta(hours=4))
    with core_time.travel(opened):
        ticket = services.open_ticket(
            organization=org,
            requester=contact,
            subject=subject,
            description=f"{subject}.\n\nPlease help — this is demo ticket {i + 1}.",
            priority=priority,
            channel=("email", "web", "api", "chat", "phone")[i % 5],
            custom_fields=fields,
            tags=tags,
            actor=contact,
        )
    if then == "new":
        return ticket
    with core_time.travel(opened + step):
        ticket = services.assign(ticket, team=team, assignee=agent, actor=agent)
        if then == "triaged":
            services.add_note(ticket, author=agent, body="Triage: cosmetic, low impact.")
            return services.change_priority(ticket, priority=priority, actor=agent, reason="triage")
    if then == "assigned":
        return ticket
    with core_time.travel(opened + 2 * step):
        services.reply(ticket, author=agent, body="Thanks — we are looking into it.")
    if then == "replied":
        return ticket
    with core_time.travel(opened + 2 * step + timedelta(minutes=20)):
        if then == "pending":
            return services.set_pending(ticket, actor=agent, reason="waiting for logs")
        ticket = services.solve(ticket, actor=agent, reason="answered")
    if then == "closed":
        with core_time.travel(opened + 3 * step):
            ticket = services.close(ticket, actor=agent)
    return ticket
