"""People and systems told about incidents and maintenance: e-mail and signed webhooks."""

from __future__ import annotations

import secrets

from django.db import models

from sladesk.core.time import now

from .page import Component, StatusPage

__all__ = ["Subscriber", "SubscriberKind"]


class SubscriberKind(models.TextChoices):
    EMAIL = "email", "E-mail"
    WEBHOOK = "webhook", "Signed webhook"


def _token() -> str:
    return secrets.token_urlsafe(24)


class Subscriber(models.Model):
    """Someone told of a page's incidents and maintenance (all components, or ``components``).

    E-mail subscriptions need double opt-in: nothing but the confirmation mail is sent until
    ``confirmed_at`` (the link in that mail). A webhook is confirmed on creation by an
    agent; its POSTs are signed with ``webhook_secret`` (`sladesk.notify.sign`). ``token``
    is in every unsubscribe link; ``unsubscribed_at`` ends the subscription for good.
    """

    page = models.ForeignKey(StatusPage, on_delete=models.CASCADE, related_name="subscribers")
    kind = models.CharField(max_length=16, choices=SubscriberKind.choices)
    email = models.EmailField(blank=True, default="")
    webhook_url = models.CharField(max_length=500, blank=True, default="")
    webhook_secret = models.CharField(max_length=200, blank=True, default="")
    components = models.ManyToManyField(Component, related_name="subscribers", blank=True)
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ("id",)
        indexes = [models.Index(fields=["page", "kind", "email"], name="status_subscriber_email")]

    @property
    def active(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None

    def __str__(self) -> str:
        return self.email or self.webhook_url
