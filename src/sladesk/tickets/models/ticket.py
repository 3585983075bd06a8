"""The ticket: one customer request and the contract (policy snapshot) it runs under."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sladesk.core.time import now

__all__ = ["Channel", "Status", "Tag", "Ticket"]


class Status(models.TextChoices):
    """Life cycle: new → open → pending / on_hold → solved → closed (reopen: solved → open).

    ``pending`` = waiting on the customer (pauses the clocks the policy names);
    ``on_hold`` = waiting on a third party (clocks keep running).
    """

    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending (waiting on customer)"
    ON_HOLD = "on_hold", "On hold"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


#: Statuses in which the ticket still needs work.
ACTIVE_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)


class Channel(models.TextChoices):
    """Where a ticket, message or action came from."""

    EMAIL = "email", "Email"
    WEB = "web", "Web"
    CHAT = "chat", "Chat"
    PHONE = "phone", "Phone"
    API = "api", "API"
    SYSTEM = "system", "System"


class Tag(models.Model):
    """A label on tickets (freistilbox tags the cluster and the website, e.g. ``cluster:c42``)."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Ticket(models.Model):
    """One support request from a contact of a customer organization.

    The ticket number is its primary key (``#1234``). ``priority`` is a key of the ticket's
    policy (``P1``, ``Sev2``, ``urgent`` ...). ``policy_version`` is the snapshot of the policy
    text the ticket was opened under and ``policy_name``/``plan``/``region`` select targets
    in it; all four change only through ``services.retarget_policy``. ``custom_fields`` hold
    the policy-relevant facts (``device_os_supported``, ``device_os_version``, ``environment``,
    ``devices_affected`` ...), which the policy's rules read; whoever may edit the ticket may
    write them (a contact too). The escalation is not among them: ``escalation_level`` (rungs
    of the policy's ladder climbed, 0 = not escalated), ``escalation_role`` (the rung reached)
    and ``escalation_reason`` change only through ``services.escalate``.
    """

    subject = models.CharField(max_length=300)
    requester = models.ForeignKey(
        "accounts.Contact", on_delete=models.PROTECT, related_name="tickets"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.PROTECT, related_name="tickets"
    )
    priority = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="tickets"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    tags = models.ManyToManyField(Tag, related_name="tickets", blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    custom_fields = models.JSONField(default=dict, blank=True)
    # db_default: adding the columns rewrites no row and validates no constraint (a plain
    # SmallIntegerField, not Positive*, whose CHECK would scan the table under its lock).
    escalation_level = models.SmallIntegerField(default=0, db_default=0)
    escalation_role = models.CharField(max_length=200, blank=True, default="", db_default="")
    escalation_reason = models.TextField(blank=True, default="", db_default="")
    follow_up_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups"
    )

    policy_version = models.ForeignKey(
        "tickets.PolicyVersion", on_delete=models.PROTECT, related_name="tickets"
    )
    policy_name = models.CharField(max_length=100)
    plan = models.CharField(max_length=100, blank=True, default="")
    region = models.CharField(max_length=100, blank=True, default="")

    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = (
            models.Index(fields=["status", "priority"], name="ticket_status_priority_idx"),
            models.Index(fields=["organization", "status"], name="ticket_org_status_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status_idx"),
            models.Index(fields=["team", "status"], name="ticket_team_status_idx"),
            models.Index(fields=["-created_at", "-id"], name="ticket_created_idx"),
        )

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def number(self) -> int | None:
        """The ticket number customers see (``#number``); the primary key."""
        return self.pk

    @property
    def policy_digest(self) -> str:
        return self.policy_version.digest

    @property
    def policy_text(self) -> str:
        """The YAML text of the policy snapshot this ticket runs under."""
        return self.policy_version.text

    @property
    def policy(self):  # -> sladesk.sla.Policy
        """The parsed snapshot policy (cached by digest)."""
        return self.policy_version.policy

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES
