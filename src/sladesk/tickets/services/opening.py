"""Opening tickets and refreshing their clocks.

See `sladesk.tickets.services` for the conventions every service follows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from sladesk.accounts.models import Contact, Organization, Team
from sladesk.core import clock as core_clock
from sladesk.notify.escalations import arm_climb
from sladesk.notify.pages import page_oncall
from sladesk.notify.timers import sync_clock_timers

from .. import clocks
from ..models import (
    Channel,
    EventKind,
    LinkKind,
    Message,
    Metric,
    SlaClock,
    Status,
    Ticket,
    TicketLink,
)
from ._base import ServiceError, _add_tags, _lock, _Log, _refresh, _sanitize, _set_by, _snapshot
from .attachments import _store, check_uploads, files_follow_transaction

__all__ = ["Opening", "open_ticket", "refresh_clocks"]


@dataclass(frozen=True)
class Opening:
    """What `open_ticket` wrote, as it wrote it: ``ticket.opening`` of the returned ticket.

    A snapshot taken at creation, not a live view: a later service call on the ticket does
    not change it (read the database for the current state). Lets the caller answer with
    the new ticket without reading back what it just wrote (the API's create).
    """

    tags: list[str]  # names, sorted
    clocks: list[SlaClock]  # the clocks started, saved (with their ids)
    message: Message  # the first public message (the description)


def open_ticket(
    *,
    organization: Organization,
    requester: Contact,
    subject: str,
    description: str,
    priority: str | None = None,
    channel: str = Channel.WEB,
    custom_fields: Mapping[str, Any] | None = None,
    actor: Any = None,
    set_by: str | None = None,
    tags: Sequence[str] = (),
    description_html: str | None = None,
    follow_up_of: Ticket | None = None,
    team: Team | None = None,
    attachments: Sequence[Any] = (),
) -> Ticket:
    """Open a ticket under the organization's *current* policy file and start its clocks.

    The policy text is snapshotted (`PolicyVersion`); the plan and region come from the
    organization (blank = the policy's defaults). The priority is ``priority`` after the
    policy's rules (`Policy.apply_rules` with ``set_by``: ``customer`` by default for a
    contact actor, ``agent`` for staff — Houseware ignores a customer's choice; Particle
    caps unsupported Device OS at P2; Esper raises 500+ devices to Sev2). The description
    becomes the first public message, written by the requester. Clocks started: every
    target of the priority except ``next_update`` (which starts with the first public
    agent reply) and continuous ones (no timer). ``team`` is where the ticket is routed
    (an inbound address's team); it is not an assignment, so dispatch stays open. Raises
    `UnknownPriorityError` for a priority the policy does not know and `ServiceError` when
    the requester belongs to another organization. ``attachments`` go on the first message
    (`add_attachments`). The returned ticket carries ``ticket.opening`` (`Opening`: its
    tags, started clocks and first message as written).
    """
    if requester.organization_id != organization.pk:
        raise ServiceError("the requester is not a contact of this organization")
    check_uploads(attachments)
    now = core_clock.now()
    fields = dict(custom_fields or {})
    actor = requester if actor is None else actor
    set_by = set_by or _set_by(actor)
    with files_follow_transaction(), transaction.atomic():
        version = _snapshot(organization.policy_name)
        policy = version.policy
        plan = policy.resolve_plan(organization.plan or None) or ""
        region = policy.resolve_region(organization.region or None) or ""
        outcome = policy.apply_rules(priority, fields, set_by=set_by)
        ticket = Ticket.objects.create(
            subject=subject[:300],
            requester=requester,
            organization=organization,
            priority=outcome.priority,
            status=Status.NEW,
            channel=channel,
            custom_fields=fields,
            follow_up_of=follow_up_of,
            team=team,
            policy_version=version,
            policy_name=policy.name,
            plan=plan,
            region=region,
            created_at=now,
            updated_at=now,
        )
        log = _Log(ticket, actor, channel, now)
        if follow_up_of is not None:
            TicketLink.objects.create(source=ticket, target=follow_up_of, kind=LinkKind.FOLLOW_UP, created_at=now)
        pages = policy.pages_on_create(ticket.priority, now, plan or None, region or None)
        all_tags = _add_tags(ticket, [*tags, *outcome.tags])
        message = Message.objects.create(
            ticket=ticket,
            author_contact=requester,
            from_customer=True,
            public=True,
            body_text=description,
            body_html=_sanitize(description, description_html),
            channel=channel,
            created_at=now,
        )
        log.add(
            EventKind.CREATED,
            priority=ticket.priority,
            requested_priority=priority,
            set_by=set_by,
            policy=policy.name,
            policy_digest=policy.digest,
            plan=plan,
            region=region,
            tags=all_tags,
            message_id=message.pk,
            follow_up_of=follow_up_of.pk if follow_up_of else None,
            pages=pages,
        )
        _store(message, attachments, log)
        if outcome.reasons:
            log.add(EventKind.RULE, priority=outcome.priority, reasons=outcome.reasons)
        changes = [
            clocks.new_clock(ticket, target, now)
            for metric, target in clocks.targets_of(ticket).items()
            if metric != Metric.NEXT_UPDATE and not target.continuous
        ]
        SlaClock.objects.bulk_create([c.clock for c in changes])
        for change in changes:
            log.clock(change)
        log.flush()
        started = [c.clock for c in changes]
        sync_clock_timers(started, new=True)
        if pages:
            _page_on_create(ticket, started, pages, now)
        if policy.escalation and policy.escalation[0].after is not None:
            arm_climb(ticket, level=0, since=now, new=True)  # level 1 by time alone
    ticket.opening = Opening(tags=sorted(all_tags), clocks=started, message=message)
    return ticket


def _page_on_create(
    ticket: Ticket, started: list[SlaClock], reasons: list[str], now: datetime
) -> None:
    """Page on-call for a new ticket (P1 / Urgent, out-of-hours request) in the same
    transaction; the page is about the first clock that will show someone has it."""
    order = (Metric.FIRST_RESPONSE, Metric.DISPATCH, Metric.RESOLUTION)
    about = next((c for m in order for c in started if c.metric == m), None)
    page_oncall(ticket, "; ".join(reasons), clock=about, now=now, actor="policy")


def refresh_clocks(ticket: Ticket, now: datetime | None = None) -> list[SlaClock]:
    """Mark breached every running clock whose due instant is at or before ``now``.

    ``breached_at`` (and the event's ``at``) is the due instant. Safe to run twice; the
    timer worker of a later issue calls it too. Returns the clocks that breached now.
    """
    now = now or core_clock.now()
    with transaction.atomic():
        ticket = _lock(ticket)
        log = _Log(ticket, None, Channel.SYSTEM, now)
        changes = _refresh(ticket, now, log)
        log.flush()
    return [c.clock for c in changes]
