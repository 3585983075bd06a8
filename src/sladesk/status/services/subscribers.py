"""Subscribers: e-mail (double opt-in) and signed webhooks, told through the outbox.

E-mail: `subscribe_email` stores an unconfirmed subscription and queues the confirmation
mail (the only mail it gets until `confirm`); asking again for a pending address resends
nothing new (same outbox key) and never says whether the address was known. Webhooks
(`add_webhook`, agents only) are active at once and signed with their own secret.

`tell_subscribers` / `tell_maintenance` write one outbox row per active subscriber whose
components (none: the whole page) meet the event's, inside the caller's transaction; the
idempotency key names the update and the subscriber, so nothing is sent twice. Every
mail carries the unsubscribe link (also as ``List-Unsubscribe``), every webhook body the
unsubscribe URL in ``extra.meta.unsubscribe``.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from sladesk.core import time as core_time
from sladesk.notify import Notification
from sladesk.notify.links import absolute
from sladesk.notify.outbox import enqueue, message
from sladesk.notify.recipients import Recipient

from ..models import Component, Incident, Maintenance, StatusPage, Subscriber, SubscriberKind
from ._common import ServiceError

__all__ = [
    "DESTINATION_KIND",
    "add_webhook",
    "confirm",
    "page_url",
    "subscribe_email",
    "tell",
    "tell_maintenance",
    "tell_subscribers",
    "unsubscribe",
    "unsubscribe_url",
]

#: Outbox destinations ``status-subscriber:<id>``: a webhook subscriber, resolved by
#: `sladesk.status.reactions` through `sladesk.notify.recipients.register_destination`.
DESTINATION_KIND = "status-subscriber"


def page_url(page: StatusPage) -> str:
    return absolute(reverse("status:page", args=[page.slug]))


def unsubscribe_url(subscriber: Subscriber) -> str:
    return absolute(reverse("status:unsubscribe", args=[subscriber.token]))


def _confirm_url(subscriber: Subscriber) -> str:
    return absolute(reverse("status:confirm", args=[subscriber.token]))


def _components(page: StatusPage, ids: Iterable[Any]) -> list[Component]:
    wanted = {str(i) for i in ids}
    if not wanted:
        return []
    found = [
        c
        for c in Component.objects.filter(page=page)
        if str(c.pk) in wanted or c.public_id in wanted
    ]
    known = {str(c.pk) for c in found} | {c.public_id for c in found}
    unknown = wanted - known
    if unknown:
        raise ServiceError(f"unknown components for {page.slug}: {', '.join(sorted(unknown))}")
    return found


def _mail_row(subscriber: Subscriber, key: str, subject: str, body: str, at: datetime) -> Any:
    page = subscriber.page
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "sladesk.invalid"
    unsubscribe = unsubscribe_url(subscriber)
    text = f"{body}\n\n--\n{page.name} status: {page_url(page)}\nUnsubscribe: {unsubscribe}\n"
    notification = Notification(
        idempotency_key=key,
        channel="email",
        summary=subject,
        body=text,
        extra={
            "mail": {
                "subject": subject,
                "from": settings.DEFAULT_FROM_EMAIL,
                "message_id": make_msgid(idstring=key.replace(":", "."), domain=domain),
                "auto_submitted": "auto-generated",
                "list_unsubscribe": f"<{unsubscribe}>",
            }
        },
    )
    recipient = Recipient("email", f"email:{subscriber.email}", f"subscriber {subscriber.pk}")
    return message(notification, recipient, key=key, purpose="status_subscriber", at=at)


@transaction.atomic
def subscribe_email(page: StatusPage, email: str, components: Iterable[Any] = ()) -> Subscriber:
    """Subscribe ``email`` (whole page, or ``components``); queues the confirmation mail."""
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ServiceError(f"{email!r} is not an e-mail address") from None
    chosen = _components(page, components)
    now = core_time.now()
    existing = (
        Subscriber.objects.filter(
            page=page, kind=SubscriberKind.EMAIL, email=email, unsubscribed_at__isnull=True
        )
        .order_by("id")
        .first()
    )
    subscriber = existing or Subscriber.objects.create(
        page=page, kind=SubscriberKind.EMAIL, email=email, created_at=now
    )
    if chosen or existing is None:
        subscriber.components.set(chosen)
    if subscriber.confirmed_at is None:
        body = (
            f"Someone (hopefully you) asked to be told about {page.name}'s status by e-mail.\n"
            f"Confirm: {_confirm_url(subscriber)}\n\nIf it was not you, ignore this mail: "
            "nothing more will be sent."
        )
        key = f"status:confirm:{subscriber.pk}"
        enqueue(
            [
                _mail_row(
                    subscriber, key, f"Confirm your subscription to {page.name} status", body, now
                )
            ]
        )
    return subscriber


def confirm(token: str) -> Subscriber | None:
    """Confirm the subscription ``token`` names (None: no such pending subscription)."""
    subscriber = Subscriber.objects.filter(token=token, unsubscribed_at__isnull=True).first()
    if subscriber is not None and subscriber.confirmed_at is None:
        subscriber.confirmed_at = core_time.now()
        subscriber.save(update_fields=["confirmed_at"])
    return subscriber


def unsubscribe(token: str) -> Subscriber | None:
    """End the subscription ``token`` names (idempotent; None: unknown token)."""
    subscriber = Subscriber.objects.filter(token=token).first()
    if subscriber is not None and subscriber.unsubscribed_at is None:
        subscriber.unsubscribed_at = core_time.now()
        subscriber.save(update_fields=["unsubscribed_at"])
    return subscriber


@transaction.atomic
def add_webhook(
    page: StatusPage, url: str, *, secret: str = "", components: Iterable[Any] = ()
) -> Subscriber:
    """A signed-webhook subscriber (active at once); a secret is generated when none given."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ServiceError("a webhook needs an http:// or https:// URL")
    chosen = _components(page, components)
    subscriber = Subscriber.objects.create(
        page=page,
        kind=SubscriberKind.WEBHOOK,
        webhook_url=url,
        webhook_secret=secret or secrets.token_urlsafe(32),
        confirmed_at=core_time.now(),
    )
    subscriber.components.set(chosen)
    return subscriber


def tell(
    page: StatusPage,
    component_ids: set[int],
    *,
    key: str,
    subject: str,
    body: str,
    payload: dict[str, Any],
) -> int:
    """Queue ``subject``/``body`` (mail) and ``payload`` (webhooks) to every active
    subscriber of ``page`` interested in ``component_ids``; returns the rows queued."""
    now = core_time.now()
    subscribers = Subscriber.objects.filter(
        page=page, confirmed_at__isnull=False, unsubscribed_at__isnull=True
    ).prefetch_related("components")
    rows = []
    for sub in subscribers.filter(
        Q(components__isnull=True) | Q(components__in=component_ids)
    ).distinct():
        chosen = {c.pk for c in sub.components.all()}
        if chosen and not chosen & component_ids:
            continue
        own_key = f"{key}:sub{sub.pk}"
        if sub.kind == SubscriberKind.EMAIL:
            rows.append(_mail_row(sub, own_key, subject, body, now))
            continue
        notification = Notification(
            idempotency_key=own_key,
            channel="webhook",
            summary=subject,
            body=body,
            extra={**payload, "meta": {"unsubscribe": unsubscribe_url(sub)}},
        )
        recipient = Recipient("webhook", f"{DESTINATION_KIND}:{sub.pk}", f"subscriber {sub.pk}")
        rows.append(
            message(notification, recipient, key=own_key, purpose="status_subscriber", at=now)
        )
    enqueue(rows)
    return len(rows)


def tell_subscribers(incident: Incident, update: Any) -> int:
    """Tell the page's subscribers about an incident update."""
    from ..feeds import incident_payload

    component_ids = set(incident.affected.values_list("component_id", flat=True))
    page = incident.page
    subject = f"[{page.name}] {incident.name}: {update.get_status_display()}"
    body = f"{update.get_status_display()}: {update.body}\n\n{page_url(page)}"
    payload = {
        "page": {"id": page.public_id, "name": page.name},
        "incident": incident_payload(incident),
    }
    return tell(
        page,
        component_ids,
        key=f"status:update:{update.public_id}",
        subject=subject,
        body=body,
        payload=payload,
    )


def tell_maintenance(maintenance: Maintenance, event: str, at: datetime) -> int:
    """Tell the page's subscribers that ``maintenance`` is ``scheduled``, ``in_progress`` or
    ``completed`` (``at``: the window's start, which keys recurring occurrences)."""
    from ..feeds import maintenance_payload

    page = maintenance.page
    component_ids = set(maintenance.components.values_list("pk", flat=True))
    words = {"scheduled": "Scheduled", "in_progress": "In progress", "completed": "Completed"}
    subject = f"[{page.name}] Maintenance {words.get(event, event).lower()}: {maintenance.name}"
    body = f"{maintenance.name}\n{maintenance.body}\n\n{page_url(page)}".strip()
    payload = {
        "page": {"id": page.public_id, "name": page.name},
        "scheduled_maintenance": maintenance_payload(maintenance, event=event, at=at),
    }
    key = f"status:maintenance:{maintenance.public_id}:{at.isoformat()}:{event}"
    return tell(page, component_ids, key=key, subject=subject, body=body, payload=payload)
