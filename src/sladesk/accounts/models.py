"""Customer organizations and their contacts; staff agents and the teams they work in.

Roles (see `sladesk.accounts.roles`) are derived from these rows, not stored twice:
a superuser is an **admin**, a user with an `AgentProfile` is an **agent**, a user with a
`Contact` is a **contact** (customer person).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from sladesk.core.time import now

from .validation import contract_problems, zone_problem

__all__ = [
    "AccountTeamMember",
    "AgentProfile",
    "AgentScopeOrganization",
    "AgentScopeTeam",
    "Contact",
    "Organization",
    "Team",
    "default_policy_name",
]


def default_policy_name() -> str:
    """The policy a new organization runs under (``settings.SLADESK_DEFAULT_POLICY``)."""
    return settings.SLADESK_DEFAULT_POLICY


class Organization(models.Model):
    """A customer company under one support contract (a policy file, a plan and a region).

    ``policy_name`` is a policy file's ``name:`` (e.g. ``particle-enterprise``); ``plan`` and
    ``region`` are keys of that policy's ``plans``/``regions`` (blank = the policy's default).
    Its email aliases (Particle's ``<company>@particle.io``) are the email channel's routes
    (``sladesk.intake`` ``InboundAddress`` rows naming it: one source of truth); with
    ``allow_unknown_senders`` a verified mail from an address of one of its domains that is
    not a contact still opens a ticket (and creates the contact).
    """

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    policy_name = models.CharField(max_length=100, default=default_policy_name)
    plan = models.CharField(max_length=100, blank=True, default="")
    region = models.CharField(max_length=100, blank=True, default="")
    timezone = models.CharField(
        max_length=64, default="UTC", help_text="IANA zone used to display times to this customer"
    )
    allow_unknown_senders = models.BooleanField(default=False)
    account_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="AccountTeamMember",
        related_name="account_organizations",
        blank=True,
    )
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The contract and zone checks the API runs too (`sladesk.accounts.validation`)."""
        problems = contract_problems(self.policy_name, self.plan, self.region)
        if zone := zone_problem(self.timezone) if self.timezone else "a time zone is required":
            problems["timezone"] = zone
        if problems:
            raise ValidationError(problems)


class AccountTeamMember(models.Model):
    """A staff member named on a customer's account team, with their role on it.

    E.g. Particle's Technical Account Manager (more than one person allowed) or Houseware's
    designated Customer Success Manager.
    """

    TECHNICAL_ACCOUNT_MANAGER = "Technical Account Manager"
    CUSTOMER_SUCCESS_MANAGER = "Customer Success Manager"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    role = models.CharField(max_length=100, default=TECHNICAL_ACCOUNT_MANAGER)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["organization", "user", "role"], name="account_team_member_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.user} ({self.role}, {self.organization})"


class Contact(models.Model):
    """A person at a customer organization who asks for support.

    ``user`` is set when the contact can log in (portal, API); contacts created from mail
    have none. The email is unique within an organization. ``email_updates``: agents'
    public replies and notices on tickets opened in the portal or through the API are
    mailed to the contact too (mail tickets always answer by mail; a notice the policy
    requires, such as Particle's priority change "with notice", is sent regardless).
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="contacts"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contact",
    )
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True, default="")
    timezone = models.CharField(max_length=64, blank=True, default="")
    email_updates = models.BooleanField(
        default=True, help_text="Mail agents' replies and notices on portal and API tickets"
    )
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ("organization_id", "email")
        constraints = (
            models.UniqueConstraint(fields=["organization", "email"], name="contact_email_per_org"),
        )
        indexes = (models.Index(fields=["email"], name="contact_email_idx"),)

    def __str__(self) -> str:
        return (
            f"{self.name or self.email} ({self.organization})"
            if self.organization_id
            else self.email
        )

    def clean(self) -> None:
        if zone := zone_problem(self.timezone):
            raise ValidationError({"timezone": zone})

    @property
    def display_timezone(self) -> str:
        """The contact's own zone, else the organization's."""
        return self.timezone or self.organization.timezone


class Team(models.Model):
    """A group of agents tickets are dispatched to (Product support, Cloud support, DevOps ...).

    Its targets (`sladesk.notify.recipients`): the team is told of warnings and breaches on
    its Slack webhook, its signed webhook and its Apprise URLs; a page ("on-call", for now)
    goes to all of those plus the PagerDuty routing key and the on-call person's e-mail.
    URLs, keys and the webhook secret are secrets: read only when sending, never logged,
    never copied into the outbox.
    """

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")
    pagerduty_routing_key = models.CharField(max_length=200, blank=True, default="")
    slack_webhook_url = models.URLField(blank=True, default="")
    webhook_url = models.URLField(
        blank=True,
        default="",
        help_text="generic webhook, signed with HMAC-SHA256 (docs/notifications.md)",
    )
    webhook_secret = models.CharField(max_length=200, blank=True, default="")
    apprise_urls = models.TextField(
        blank=True, default="", help_text="Apprise URLs (Teams, Discord, Matrix ...), one a line"
    )
    oncall_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="oncall_teams",
    )

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    @property
    def apprise_url_list(self) -> list[str]:
        """The Apprise URLs, one per non-blank line, in order."""
        return [u.strip() for u in self.apprise_urls.splitlines() if u.strip()]


class AgentProfile(models.Model):
    """A staff user who works tickets: the teams they belong to, their display zone and
    their scope (the part of the desk they may see).

    The scope has two axes, each empty = unlimited: ``scope_organizations`` (only these
    customers' tickets, contacts and mail) and ``scope_teams`` (only tickets dispatched to
    these teams; a ticket with no team yet is outside a team scope). With both set, a
    ticket must be inside both. Admins (superusers) always see everything whatever their
    profile says. Enforced by `sladesk.accounts.access` and `sladesk.tickets.access`.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_profile"
    )
    teams = models.ManyToManyField(Team, related_name="agents", blank=True)
    timezone = models.CharField(max_length=64, default="UTC")
    scope_organizations = models.ManyToManyField(
        Organization,
        through="AgentScopeOrganization",
        related_name="scoped_agents",
        blank=True,
        help_text="Only these organizations' tickets, contacts and mail (empty: all).",
    )
    scope_teams = models.ManyToManyField(
        Team,
        through="AgentScopeTeam",
        related_name="scoped_agents",
        blank=True,
        help_text="Only tickets dispatched to these teams (empty: all).",
    )

    class Meta:
        ordering = ("user__username",)

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    def clean(self) -> None:
        if zone := zone_problem(self.timezone) if self.timezone else "a time zone is required":
            raise ValidationError({"timezone": zone})


class AgentScopeOrganization(models.Model):
    """One organization an agent's scope allows (`AgentProfile.scope_organizations`).

    The organization is protected: deleting it while it limits someone's scope would
    silently leave that agent with no limit at all (empty = every organization).
    """

    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["agent", "organization"], name="agent_scope_org_unique"
            ),
        )

    def __str__(self) -> str:
        return f"{self.agent}: {self.organization}"


class AgentScopeTeam(models.Model):
    """One team an agent's scope allows (`AgentProfile.scope_teams`); the team is protected
    for the same reason as `AgentScopeOrganization`'s organization."""

    agent = models.ForeignKey(AgentProfile, on_delete=models.CASCADE)
    team = models.ForeignKey(Team, on_delete=models.PROTECT)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["agent", "team"], name="agent_scope_team_unique"),
        )

    def __str__(self) -> str:
        return f"{self.agent}: {self.team}"
