"""Hand-written output of tickets, clocks and messages: plain dicts, no serializer objects.

The ticket endpoints answer with these functions; the DRF serializers of the same names
(`TicketSerializer`, `TicketDetailSerializer`, `ClockSerializer`, `MessageSerializer`) stay
the documented shape in the OpenAPI schema, and a test keeps both field for field equal.
Why by hand: DRF builds and deep-copies its field objects per serializer instance (one
`ClockSerializer(many=True)` per ticket of a page), which cost more than loading the page.

Conventions (as the DRF fields they replace): ticket instants are ISO 8601 in the current
time zone (UTC, written ``...Z``); clock instants keep their policy calendar's zone
(`ZonedDateTimeField`); durations are whole seconds (`SecondsField`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.settings import api_settings

from sladesk.intake.senders import authentication_by_message
from sladesk.tickets.clocks import ClockStatus
from sladesk.tickets.models import Channel, Message

__all__ = ["clock_data", "message_data", "ticket_data", "tickets_data"]

_INSTANT = serializers.DateTimeField()  # read-only use of to_representation: thread-safe


def _instant(value: datetime | None, utc_shown: bool = False) -> str | None:
    """``DateTimeField().to_representation(value)``: ISO 8601 in the current time zone,
    ``+00:00`` written ``Z``. With ``utc_shown`` (`_utc_shown()`, asked once per ticket), a
    UTC value is formatted directly, without DRF's per-call settings and zone lookups."""
    if value is None:
        return None
    if utc_shown and value.tzinfo is UTC:
        text = value.isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return _INSTANT.to_representation(value)


def _utc_shown() -> bool:
    """Whether DRF would show instants in UTC, ISO 8601, in this thread."""
    return (
        api_settings.DATETIME_FORMAT == ISO_8601 and timezone.get_current_timezone_name() == "UTC"
    )


def _zoned(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


def clock_data(status: ClockStatus) -> dict[str, Any]:
    """One clock (`ClockSerializer`'s shape)."""
    return {
        "metric": str(status.metric),
        "state": str(status.state),
        "due_at": _zoned(status.due_at),
        "warn_at": _zoned(status.warn_at),
        "remaining_seconds": status.remaining_seconds,
        "used_seconds": _seconds(status.used),
        "target_seconds": _seconds(status.target_work),
        "calendar": status.calendar_name,
        "met_at": _zoned(status.met_at),
        "breached_at": _zoned(status.breached_at),
        "cycle": status.cycle,
        "explanation": status.explanation,
    }


def tickets_data(rows: Iterable[dict[str, Any]], customer: bool = False) -> list[dict[str, Any]]:
    """`ticket_data` of each row (a list page), the display zone asked once for all."""
    utc = _utc_shown()
    return [ticket_data(row, utc_shown=utc, customer=customer) for row in rows]


def ticket_data(
    row: dict[str, Any],
    messages: Iterable[Message] | None = None,
    utc_shown: bool | None = None,
    customer: bool = False,
) -> dict[str, Any]:
    """A ticket from a `sladesk.tickets.selectors.ticket_summaries` row (`TicketSerializer`'s
    shape), with ``messages`` (`TicketDetailSerializer`'s shape) when given. ``utc_shown``:
    `_utc_shown()` when the caller already asked it. For a ``customer`` (a contact) the
    policy's internal clocks are left out."""
    utc = _utc_shown() if utc_shown is None else utc_shown
    out = {
        "id": row["id"],
        "number": row["id"],
        "subject": row["subject"],
        "status": str(row["status"]),
        "priority": row["priority"],
        "organization": row["organization_id"],
        "requester": row["requester_email"],
        "requester_id": row["requester_id"],
        "team": row["team_id"],
        "assignee": row["assignee_id"],
        "tags": row["tags"],
        "channel": str(row["channel"]),
        "custom_fields": row["custom_fields"],
        "escalation_level": row["escalation_level"],
        "escalation_role": row["escalation_role"],
        "policy": row["policy_name"],
        "policy_version": row["policy_digest"],
        "plan": row["plan"],
        "region": row["region"],
        "follow_up_of": row["follow_up_of_id"],
        "created_at": _instant(row["created_at"], utc),
        "updated_at": _instant(row["updated_at"], utc),
        "solved_at": _instant(row["solved_at"], utc),
        "closed_at": _instant(row["closed_at"], utc),
        "sla": [clock_data(s) for s in row["clocks"] if not (customer and s.internal)],
    }
    if messages is not None:
        messages = list(messages)
        mail = authentication_by_message(m.pk for m in messages if m.channel == Channel.EMAIL)
        out["messages"] = [message_data(m, utc, authentication=mail.get(m.pk)) for m in messages]
    return out


def message_data(
    message: Message,
    utc_shown: bool | None = None,
    attachments: Iterable[Any] | None = None,
    authentication: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One message (`MessageSerializer`'s shape); authors and attachments batch-loaded.

    ``attachments``: the message's attachments when the caller knows them (a message just
    written without files: ``()``), instead of ``message.attachments.all()``.
    ``authentication``: the mail's (`sladesk.intake.senders.authentication_by_message`);
    null for a message that did not arrive by mail."""
    utc = _utc_shown() if utc_shown is None else utc_shown
    if authentication is not None and authentication.get("confirmed_at") is not None:
        authentication = {
            **authentication,
            "confirmed_at": _instant(authentication["confirmed_at"], utc),
        }
    if message.author_contact_id is not None:
        author = message.author_contact.email
    elif message.author_user_id is not None:
        author = message.author_user.get_username()
    else:
        author = "system"
    return {
        "id": message.pk,
        "ticket": message.ticket_id,
        "public": message.public,
        "internal": not message.public,
        "from_customer": message.from_customer,
        "author": author,
        "author_user": message.author_user_id,
        "author_contact": message.author_contact_id,
        "body_text": message.body_text,
        "body_html": message.body_html,
        "channel": str(message.channel),
        "created_at": _instant(message.created_at, utc),
        "attachments": [
            {"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size}
            for a in (message.attachments.all() if attachments is None else attachments)
        ],
        "authentication": authentication,
    }
