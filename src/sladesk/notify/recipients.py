"""Who is told: the assignee, the team, the account team, on-call — and how to reach them.

A `Recipient` is a reference (``team:<id>``, ``user:<id>``) plus its channel; the secret
that reaches it (a webhook URL, a routing key, an SMTP password) is looked up only when
the outbox sends (`channel_config`), so it is never copied into the outbox.

Per team (`sladesk.accounts.models.Team`): *notifications* (warnings, breaches) go to its
Slack webhook, its signed webhook and each of its Apprise URLs (`team`); "on-call" — a
page — is, for now, those same targets plus its PagerDuty routing key and its on-call
person's e-mail (`oncall`), on the ticket's team or the default team
``SLADESK_NOTIFY["oncall_team"]``. Rotations and schedules will plug in behind `oncall`.
Destinations: ``team:<id>``, ``team:<id>/u<hash>`` for one of its Apprise URLs (`apprise_ref`:
a stable digest of the URL, so reordering or removing a team's URLs never sends a queued
row to another URL: a removed URL is "gone"), ``user:<id>``, ``email:<address>``. A bare
``team:<id>/<n>`` (the n-th URL, as rows were addressed before migration
``notify.0005_fixes_apprise_destinations`` rewrote them) is still read, for rows an older
process queues during an upgrade.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from sladesk.accounts.models import AccountTeamMember, Team
from sladesk.tickets.models import Ticket

from . import (
    AppriseConfig,
    ChannelConfig,
    EmailConfig,
    PagerDutyConfig,
    SlackConfig,
    WebhookConfig,
)
from .conf import conf

__all__ = [
    "Recipient",
    "account_team",
    "account_teams",
    "apprise_ref",
    "assignee",
    "by_role",
    "channel_config",
    "channel_configs",
    "oncall",
    "oncall_team",
    "register_destination",
    "team",
]

DestinationResolver = Callable[
    [list[tuple[str, str]]], "dict[tuple[str, str], ChannelConfig | None]"
]
_resolvers: dict[str, DestinationResolver] = {}


def register_destination(kind: str, resolve: DestinationResolver) -> None:
    """Let an app above notify own destinations ``<kind>:<ref>`` (`sladesk.oncall`: a
    person's notification rule; `sladesk.status`: a subscriber). ``resolve`` gets the
    (channel, ref) pairs of one send batch and returns their configs, read now (None:
    gone); like every other destination, the secret stays in the app's own row, never in
    the outbox. Registering a kind again replaces its resolver; the built-in kinds
    (``team``, ``user``, ``email``) cannot be taken."""
    if kind in ("team", "user", "email"):
        raise ValueError(f"{kind!r} is a built-in destination kind")
    _resolvers[kind] = resolve


@dataclass(frozen=True)
class Recipient:
    """One destination: ``channel`` (``email``/``slack``/``pagerduty``) and a reference."""

    channel: str
    destination: str
    label: str


def _user_email(user: Any, role: str) -> list[Recipient]:
    if user is None or not user.email:
        return []
    return [Recipient("email", f"user:{user.pk}", f"{role} {user.get_username()}")]


def assignee(ticket: Ticket) -> list[Recipient]:
    """The assigned agent, by e-mail (none when unassigned or without an address)."""
    return _user_email(ticket.assignee, "assignee")


def _team_channels(team: Team) -> list[Recipient]:
    """A team's notification targets: Slack, signed webhook, Apprise URLs (those set)."""
    out: list[Recipient] = []
    if team.slack_webhook_url:
        out.append(Recipient("slack", f"team:{team.pk}", f"team {team.slug} (slack)"))
    if team.webhook_url and team.webhook_secret:
        out.append(Recipient("webhook", f"team:{team.pk}", f"team {team.slug} (webhook)"))
    for n, url in enumerate(team.apprise_url_list):
        out.append(
            Recipient(
                "apprise",
                f"team:{team.pk}/{apprise_ref(url)}",
                f"team {team.slug} (apprise {n + 1})",
            )
        )
    return out


def apprise_ref(url: str) -> str:
    """The stable reference of one Apprise URL within a team's list: ``u`` and the first 16
    hex digits of the SHA-256 of the URL (stripped). It names the URL without holding it
    (the URL carries the secret token, which stays in the team's row)."""
    return "u" + hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:16]


def team(ticket: Ticket) -> list[Recipient]:
    """The ticket's team on its Slack, signed webhook and Apprise targets (none set: [])."""
    return [] if ticket.team is None else _team_channels(ticket.team)


def account_team(ticket: Ticket) -> list[Recipient]:
    """The organization's account team (TAMs, CSMs), each by e-mail."""
    members = AccountTeamMember.objects.filter(organization_id=ticket.organization_id)
    out: list[Recipient] = []
    for member in members.select_related("user").order_by("id"):
        out += _user_email(member.user, member.role)
    return out


def account_teams(organization_ids: set[int]) -> dict[int, list[Recipient]]:
    """`account_team` of many organizations in one query: organization id -> recipients."""
    out: dict[int, list[Recipient]] = {}
    if not organization_ids:
        return out
    members = AccountTeamMember.objects.filter(organization_id__in=organization_ids)
    for member in members.select_related("user").order_by("id"):
        out.setdefault(member.organization_id, []).extend(_user_email(member.user, member.role))
    return out


def by_role(organization_id: int, role: str) -> list[Recipient]:
    """The organization's account-team members with ``role`` (case-insensitive), by e-mail:
    who an escalation rung such as Houseware's "Customer Happiness Manager" reaches."""
    members = AccountTeamMember.objects.filter(
        organization_id=organization_id, role__iexact=role.strip()
    )
    out: list[Recipient] = []
    for member in members.select_related("user").order_by("id"):
        out += _user_email(member.user, member.role)
    return out


def oncall_team(ticket: Ticket) -> Team | None:
    """Whose paging targets a page of ``ticket`` uses: its team, else the default team."""
    if ticket.team is not None:
        return ticket.team
    slug = conf().oncall_team
    return Team.objects.filter(slug=slug).first() if slug else None


def oncall(team: Team | None) -> list[Recipient]:
    """Every paging target configured on ``team``: PagerDuty, Slack, signed webhook, Apprise
    URLs, the on-call person."""
    if team is None:
        return []
    out: list[Recipient] = []
    if team.pagerduty_routing_key:
        out.append(Recipient("pagerduty", f"team:{team.pk}", f"team {team.slug} (pagerduty)"))
    out += _team_channels(team)
    if team.oncall_user_id:
        out += _user_email(team.oncall_user, "on-call")
    return out


def _email(to: str) -> EmailConfig:
    if settings.EMAIL_USE_SSL:
        security = "ssl"
    elif settings.EMAIL_USE_TLS:
        security = "starttls"
    else:
        security = "none"
    return EmailConfig(
        host=settings.EMAIL_HOST,
        from_addr=settings.DEFAULT_FROM_EMAIL,
        to_addrs=(to,),
        port=int(settings.EMAIL_PORT),
        security=security,  # type: ignore[arg-type]
        username=settings.EMAIL_HOST_USER or None,
        password=settings.EMAIL_HOST_PASSWORD or None,
    )


def _team_config(found: Team | None, channel: str, index: str = "") -> ChannelConfig | None:
    """A team's target for ``channel``; ``index`` picks one of its Apprise URLs (its
    `apprise_ref`, or a legacy position)."""
    if found is None:
        return None
    if channel == "pagerduty" and found.pagerduty_routing_key:
        cfg = conf()
        return PagerDutyConfig(
            routing_key=found.pagerduty_routing_key,
            source=cfg.pagerduty_source,
            url=cfg.pagerduty_url,
        )
    if channel == "slack" and found.slack_webhook_url:
        return SlackConfig(webhook_url=found.slack_webhook_url)
    if channel == "webhook" and found.webhook_url and found.webhook_secret:
        return WebhookConfig(url=found.webhook_url, secret=found.webhook_secret)
    if channel != "apprise":
        return None
    urls = found.apprise_url_list
    if index.isdigit():  # a row queued by an older process: the n-th URL
        return AppriseConfig(url=urls[int(index)]) if int(index) < len(urls) else None
    url = next((u for u in urls if apprise_ref(u) == index), None)
    return AppriseConfig(url=url) if url is not None else None


def _ident(ref: str) -> int | None:
    return int(ref) if ref.isdigit() else None


def channel_configs(
    wanted: Iterable[tuple[str, str]],
) -> dict[tuple[str, str], ChannelConfig | None]:
    """`channel_config` of many (channel, destination) pairs, read now: one query for the
    teams and one for the users, whatever their number. A reference that is gone or has
    nothing configured for its channel maps to None."""
    pairs = set(wanted)
    refs = [(channel, *dest.partition(":")[::2]) for channel, dest in pairs]
    team_ids = {
        i
        for _, kind, ref in refs
        if kind == "team" and (i := _ident(ref.partition("/")[0])) is not None
    }
    user_ids = {
        i
        for channel, kind, ref in refs
        if kind == "user" and channel == "email" and (i := _ident(ref)) is not None
    }
    teams = {t.pk: t for t in Team.objects.filter(pk__in=team_ids)} if team_ids else {}
    users = get_user_model().objects.filter(pk__in=user_ids) if user_ids else []
    emails = {u.pk: u.email for u in users}
    out: dict[tuple[str, str], ChannelConfig | None] = {}
    for kind, resolve in _resolvers.items():
        mine = [
            (channel, dest.partition(":")[2])
            for channel, dest in pairs
            if dest.startswith(f"{kind}:")
        ]
        if mine:
            for (channel, ref), found in resolve(mine).items():
                out[(channel, f"{kind}:{ref}")] = found
    for channel, dest in pairs:
        if (channel, dest) in out:
            continue
        kind, _, ref = dest.partition(":")
        config: ChannelConfig | None = None
        team_ref, _, index = ref.partition("/")
        if kind == "team" and (ident := _ident(team_ref)) is not None:
            config = _team_config(teams.get(ident), channel, index)
        elif kind == "user" and channel == "email" and (ident := _ident(ref)) is not None:
            config = _email(emails[ident]) if emails.get(ident) else None
        elif kind == "email" and channel == "email":
            config = _email(ref)
        out[(channel, dest)] = config
    return out


def channel_config(channel: str, destination: str) -> ChannelConfig | None:
    """The channel configuration for a destination reference, read now (None: gone)."""
    return channel_configs([(channel, destination)])[(channel, destination)]
