"""Mail senders: what the desk and the API show of a mail's authentication, and an
agent's confirmation of an unverified sender (issue 13; the policy is `sladesk.intake.trust`).

`authentication_by_message` reads, for ticket messages that arrived by mail, the
authentication recorded on their `InboundMessage` (one query for any number of messages).
`confirm_sender` is the agent's "confirm sender": every unverified mail on the ticket
counts as verified from then on, the priority the opening mail asked for (held back by
the unverified-mail policy) applies, and on-call is paged as a verified mail would have
paged when the ticket was created.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from sladesk.core import time as core_time
from sladesk.notify.models import Page
from sladesk.notify.pages import page_oncall
from sladesk.tickets import services
from sladesk.tickets.models import Channel, ClockState, Metric, SlaClock, Ticket

from .models import InboundMessage, InboundState

__all__ = [
    "Confirmation",
    "authentication_by_message",
    "authentication_data",
    "confirm_sender",
    "unconfirmed",
]

_ON_TICKET = [InboundState.TICKET, InboundState.REPLY]


def authentication_data(row: InboundMessage | Mapping[str, Any]) -> dict[str, Any]:
    """The API/desk shape of one mail's authentication: ``spf``, ``dkim``, ``dmarc``,
    ``arc``, ``verdict`` (``pass``/``fail``/``none``), ``source`` (``verified here`` or
    ``trusted header from <authserv-id>``), ``identity``, ``reason``, ``verified``
    (verdict ``pass`` or confirmed), ``confirmed_by``, ``confirmed_at``."""
    get = row.get if isinstance(row, Mapping) else lambda name: getattr(row, name)
    auth = get("authentication") or {}
    confirmed_at = get("confirmed_at")
    verdict = get("verdict") or auth.get("verdict") or "none"
    return {
        "spf": auth.get("spf", "none"),
        "dkim": auth.get("dkim", "none"),
        "dmarc": auth.get("dmarc", "none"),
        "arc": auth.get("arc", "none"),
        "verdict": verdict,
        "source": auth.get("source") or "not checked",
        "identity": auth.get("identity", ""),
        "reason": auth.get("reason", ""),
        "verified": verdict == "pass" or confirmed_at is not None,
        "confirmed_by": _confirmer(row),
        "confirmed_at": confirmed_at,
    }


def _confirmer(row: InboundMessage | Mapping[str, Any]) -> str | None:
    name = row.get("confirmed_by") if isinstance(row, Mapping) else row.confirmed_by
    return str(name) if name else None


def authentication_by_message(message_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """``{message id: authentication_data}`` for the messages that arrived by mail."""
    ids = sorted(set(message_ids))
    if not ids:
        return {}
    rows = InboundMessage.objects.filter(ticket_message_id__in=ids).values(
        "ticket_message_id", "authentication", "verdict", "confirmed_at", "confirmed_by"
    )
    return {row["ticket_message_id"]: authentication_data(row) for row in rows}


def unconfirmed(ticket: Ticket) -> list[InboundMessage]:
    """The ticket's mail from senders neither verified nor confirmed, oldest first."""
    return list(
        InboundMessage.objects.filter(
            ticket=ticket, state__in=_ON_TICKET, confirmed_at__isnull=True
        )
        .exclude(verdict="pass")
        .defer("raw")
        .order_by("id")
    )


@dataclass
class Confirmation:
    """What `confirm_sender` did."""

    confirmed: list[int] = field(default_factory=list)  # InboundMessage ids
    priority: str | None = None  # the priority set, when it changed
    page: Page | None = None


def confirm_sender(ticket: Ticket, agent: Any) -> Confirmation:
    """An agent vouches for the sender(s) of ``ticket``'s unverified mail (see the module
    docstring). Safe to repeat: already confirmed mail is left alone, a ticket that has
    a page is not paged again."""
    done = Confirmation()
    with transaction.atomic():
        rows = list(
            InboundMessage.objects.select_for_update()
            .filter(ticket=ticket, state__in=_ON_TICKET, confirmed_at__isnull=True)
            .exclude(verdict="pass")
            .defer("raw")
            .order_by("id")
        )
        if not rows:
            return done
        now = core_time.now()
        InboundMessage.objects.filter(pk__in=[r.pk for r in rows]).update(
            confirmed_at=now, confirmed_by=agent.get_username()[:150]
        )
        done.confirmed = [r.pk for r in rows]
        opener = next((r for r in rows if r.state == InboundState.TICKET), None)
        if opener is None:
            return done
        ticket = Ticket.objects.select_related("policy_version").get(pk=ticket.pk)
        policy = ticket.policy
        held = opener.held or {}
        if held.get("priority"):
            wanted = policy.apply_rules(
                held["priority"], ticket.custom_fields, set_by=held.get("set_by", "customer")
            )
            if policy.rank(wanted.priority) < policy.rank(ticket.priority):
                ticket = services.change_priority(
                    ticket,
                    priority=wanted.priority,
                    actor=agent,
                    channel=Channel.WEB,
                    reason=(
                        "sender confirmed by an agent: "
                        f"the priority {held['priority']} the mail asked for"
                    ),
                )
                done.priority = ticket.priority
        reasons = policy.pages_on_create(
            ticket.priority, ticket.created_at, ticket.plan or None, ticket.region or None
        )
        if reasons and not Page.objects.filter(ticket=ticket).exists():
            urgent = policy.resolve_priority(ticket.priority) in policy.paging.on_create
            done.page = page_oncall(
                ticket,
                "; ".join(reasons) + " (sender confirmed by an agent)",
                clock=_paged_clock(ticket),
                now=now,
                actor=agent,
                # the page the ticket would have had on creation, so its escalation policy
                event="created_urgent" if urgent else "out_of_hours",
            )
    return done


def _paged_clock(ticket: Ticket) -> SlaClock | None:
    """The first running promise that shows someone has the ticket (as on creation)."""
    running = {
        c.metric: c for c in SlaClock.objects.filter(ticket=ticket, state=ClockState.RUNNING)
    }
    return next(
        (
            running[m]
            for m in (Metric.FIRST_RESPONSE, Metric.DISPATCH, Metric.RESOLUTION)
            if m in running
        ),
        None,
    )
