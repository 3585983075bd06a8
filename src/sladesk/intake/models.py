"""What the email channel stores: routes, IMAP mailboxes, every raw message, Message-IDs."""

from __future__ import annotations

from django.db import models

from sladesk.core.secrets import EncryptedTextField
from sladesk.core.time import now

__all__ = ["EmailMessageId", "ImapMailbox", "InboundAddress", "InboundMessage", "InboundState"]


class InboundAddress(models.Model):
    """A route: mail to ``address`` belongs to an organization and/or a team.

    A per-customer alias (Particle's ``acme@support.example.com``) names the organization;
    a shared address (freistilbox's ``hosting@``) leaves it blank and the organization is
    the sender's. ``team`` receives the ticket (``hosting@`` → DevOps, ``backoffice@`` →
    Billing); ``default_priority`` applies when the subject has no priority tag (it is
    the desk's choice, so policy rules see it as ``set_by="system"``). ``kind`` is a label
    for people (``customer``, ``support``, ``hosting``, ``billing``, ``info``).
    """

    address = models.CharField(
        max_length=254, unique=True, help_text="lower-case, e.g. hosting@freistilbox.example"
    )
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="inbound_addresses",
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_addresses",
    )
    default_priority = models.CharField(max_length=32, blank=True, default="")
    kind = models.CharField(max_length=32, blank=True, default="support")
    enabled = models.BooleanField(default=True)

    class Meta:
        ordering = ("address",)
        verbose_name_plural = "inbound addresses"

    def __str__(self) -> str:
        return self.address

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.address = self.address.strip().lower()
        super().save(*args, **kwargs)

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


class ImapMailbox(models.Model):
    """A mailbox kept elsewhere that sladesk polls over IMAP (idempotent by Message-ID).

    Processed mail is moved to ``processed_folder`` when set (created if missing), else
    flagged ``\\Seen`` and skipped by later polls (only UNSEEN mail is fetched).
    ``recipient`` is the address the mail counts as sent to when its headers do not name
    a routed address (a team mailbox whose mail arrives by forwarding).
    """

    name = models.CharField(max_length=100, unique=True)
    host = models.CharField(max_length=200)
    port = models.PositiveIntegerField(default=993)
    ssl = models.BooleanField(default=True)
    username = models.CharField(max_length=200)
    password = EncryptedTextField(
        blank=True, default="", help_text="stored encrypted (sladesk.core.secrets)"
    )
    folder = models.CharField(max_length=200, default="INBOX")
    processed_folder = models.CharField(max_length=200, blank=True, default="")
    recipient = models.CharField(max_length=254, blank=True, default="")
    enabled = models.BooleanField(default=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class InboundState(models.TextChoices):
    RECEIVED = "received", "Stored, not processed yet"
    TICKET = "ticket", "Opened a ticket"
    REPLY = "reply", "Added to a ticket"
    DUPLICATE = "duplicate", "Duplicate (Message-ID seen before)"
    IGNORED = "ignored", "Ignored (auto-reply, bounce, loop)"
    QUARANTINED = "quarantined", "Quarantined (needs an agent)"


class InboundMessage(models.Model):
    """One received mail, exactly as it arrived: the raw bytes and the SMTP envelope.

    Stored and committed *before* the SMTP server answers 250 (or IMAP marks the mail
    processed), so nothing accepted is lost; the pipeline works from ``raw`` and can be
    re-run. ``state`` says what became of it; ``reason`` says why (quarantine and ignored
    rows always have one). ``organization`` may be set by an agent to route a quarantined
    message before "retry".

    Who sent it: ``peer_ip`` and ``helo`` (SMTP only) and the envelope are what SPF
    checks; ``authentication`` is the `MailAuthentication` of the mail
    (`sladesk.intake.email.authenticate`, as a dict), ``verdict`` its ``pass`` / ``fail``
    / ``none`` ("" = not checked), ``identity`` the verified sender domain (the key of its
    rate limit). ``held`` is what the unverified-mail policy withheld (``priority``
    requested, ``page`` reasons) until an agent confirms the sender (``confirmed_by``,
    ``confirmed_at``; `sladesk.intake.confirm`).
    """

    raw = models.BinaryField()
    size = models.PositiveIntegerField(default=0)
    message_id = models.CharField(max_length=998, blank=True, default="")
    envelope_from = models.CharField(max_length=998, blank=True, default="")
    envelope_to = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=120, default="smtp")
    received_at = models.DateTimeField(default=now)
    peer_ip = models.CharField(
        max_length=64, blank=True, default="", help_text="SMTP client address"
    )
    helo = models.CharField(max_length=255, blank=True, default="", help_text="SMTP HELO/EHLO name")

    state = models.CharField(
        max_length=16, choices=InboundState.choices, default=InboundState.RECEIVED
    )
    reason = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    from_address = models.CharField(max_length=254, blank=True, default="")
    subject = models.CharField(max_length=300, blank=True, default="")
    quoted_text = models.TextField(
        blank=True, default="", help_text="history and signature split off"
    )
    authentication = models.JSONField(default=dict, blank=True)
    verdict = models.CharField(max_length=8, blank=True, default="")
    identity = models.CharField(
        max_length=254, blank=True, default="", help_text="verified sender domain"
    )
    held = models.JSONField(
        default=dict, blank=True, help_text="withheld from an unverified sender"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.CharField(
        max_length=150,
        blank=True,
        default="",
        help_text="username of the agent who confirmed the sender",
    )
    route = models.ForeignKey(
        InboundAddress, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_mail",
    )
    ticket_message = models.ForeignKey(
        "tickets.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_mail",
    )

    class Meta:
        ordering = ("-received_at", "-id")
        indexes = (
            models.Index(fields=["state", "received_at"], name="inbound_state_idx"),
            models.Index(fields=["from_address", "received_at"], name="inbound_sender_idx"),
            models.Index(fields=["identity", "received_at"], name="inbound_identity_idx"),
            models.Index(fields=["peer_ip", "received_at"], name="inbound_peer_idx"),
            models.Index(fields=["envelope_from", "received_at"], name="inbound_envelope_idx"),
        )

    def __str__(self) -> str:
        return f"#{self.pk} {self.message_id} ({self.state})"

    @property
    def sender_verified(self) -> bool:
        """Authenticated (verdict ``pass``) or confirmed by an agent."""
        return self.verdict == "pass" or self.confirmed_at is not None


class EmailMessageId(models.Model):
    """A Message-ID sladesk sent or received, and the ticket it belongs to (threading).

    Received ids are unique: a second copy of a message is a duplicate, never a second
    ticket. Sent ids let replies thread by In-Reply-To/References and let our own mail
    coming back be recognised as a loop.
    """

    IN, OUT = "in", "out"

    message_id = models.CharField(max_length=255, unique=True)
    direction = models.CharField(max_length=3, choices=[(IN, "received"), (OUT, "sent")])
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="email_ids")
    ticket_message = models.ForeignKey(
        "tickets.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="email_ids",
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = "email Message-ID"

    def __str__(self) -> str:
        return f"{self.direction} {self.message_id} → #{self.ticket_id}"
