"""Opening tickets and refreshing their clocks.

See `sladesk.tickets.services` for the conventions every service follows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction

from sladesk.accounts.models import Contact, Organization, Team
from sladesk.core import time as core_time
from sladesk.core.inserts import insert_new

from .. import clocks, events, search
from ..announce import ClocksChanged, TicketOpened, announce
from ..models import (
    Channel,
    LinkKind,
    Message,
    Metric,
    PolicyVersion,
    SlaClock,
    Status,
    Ticket,
    TicketLink,
)
from .attachments import check_uploads, files_follow_transaction, store_uploads
from .base import (
    Log,
    ServiceError,
    add_tag_names,
    check_subject,
    lock,
    policy_snapshot,
    refresh,
    sanitize,
    set_by_of,
)
from .escalation import check_custom_fields

__all__ = ["OpenRequest", "Opening", "open_ticket", "open_tickets", "refresh_clocks"]


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


@dataclass(frozen=True)
class OpenRequest:
    """The arguments of one `open_ticket` call (same names, same meaning), for `open_tickets`."""

    organization: Organization
    requester: Contact
    subject: str
    description: str
    priority: str | None = None
    channel: str = Channel.WEB
    custom_fields: Mapping[str, Any] | None = None
    actor: Any = None
    set_by: str | None = None
    tags: Sequence[str] = ()
    description_html: str | None = None
    follow_up_of: Ticket | None = None
    team: Team | None = None
    attachments: Sequence[Any] = ()
    #: False: the ticket never pages on creation (mail from an unverified sender, issue 13;
    #: the email channel pages itself once an agent confirms the sender).
    may_page: bool = True


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
    request = OpenRequest(
        organization=organization,
        requester=requester,
        subject=subject,
        description=description,
        priority=priority,
        channel=channel,
        custom_fields=custom_fields,
        actor=actor,
        set_by=set_by,
        tags=tags,
        description_html=description_html,
        follow_up_of=follow_up_of,
        team=team,
        attachments=attachments,
    )
    return open_tickets([request])[0]


@dataclass
class _Draft:
    """One ticket of `open_tickets` between its steps."""

    request: OpenRequest
    ticket: Ticket
    log: Log
    set_by: str
    outcome: Any
    pages: list[str]
    message: Message | None = None
    tags: list[str] = field(default_factory=list)
    started: list[SlaClock] = field(default_factory=list)


def open_tickets(requests: Sequence[OpenRequest]) -> list[Ticket]:
    """Open several tickets, each exactly as `open_ticket` opens one (same rows, events,
    clocks, timers and pages), in one transaction and with one insert per table for all
    of them (tickets, first messages, clocks, events, timers): the email channel opens a
    batch of mails this way. The current instant is read once for the call; the tickets
    are numbered in ``requests`` order. Any error (see `open_ticket`) opens none of them.
    """
    for request in requests:
        if request.requester.organization_id != request.organization.pk:
            raise ServiceError("the requester is not a contact of this organization")
        check_subject(request.subject)
        check_custom_fields(request.custom_fields)
        check_uploads(request.attachments)
    if not requests:
        return []
    now = core_time.now()
    with files_follow_transaction(), transaction.atomic():
        versions: dict[str, PolicyVersion] = {}
        drafts = [_draft(request, versions, now) for request in requests]
        insert_new([d.ticket for d in drafts])
        TicketLink.objects.bulk_create(
            [
                TicketLink(
                    source=d.ticket,
                    target=d.request.follow_up_of,
                    kind=LinkKind.FOLLOW_UP,
                    created_at=now,
                )
                for d in drafts
                if d.request.follow_up_of is not None
            ]
        )
        for d in drafts:
            d.tags = add_tag_names(d.ticket, [*d.request.tags, *d.outcome.tags])
            r = d.request
            d.message = Message(
                ticket=d.ticket,
                author_contact=r.requester,
                from_customer=True,
                public=True,
                body_text=r.description,
                body_html=sanitize(r.description, r.description_html),
                channel=r.channel,
                created_at=now,
            )
        insert_new([d.message for d in drafts if d.message is not None])
        search.index_opened(
            [d.ticket for d in drafts],
            [d.tags for d in drafts],
            [d.request.description for d in drafts],
        )
        changes = []
        for d in drafts:
            _log_created(d)
            changes.append(
                [
                    clocks.new_clock(d.ticket, target, now)
                    for metric, target in clocks.targets_of(d.ticket).items()
                    if metric != Metric.NEXT_UPDATE and not target.continuous
                ]
            )
        insert_new([c.clock for started in changes for c in started])
        for d, started in zip(drafts, changes, strict=True):
            for change in started:
                d.log.clock(change)
            d.started = [c.clock for c in started]
        events.write([e for d in drafts for e in d.log.events])
        announce(
            ClocksChanged(
                [c for d in drafts for c in d.started],
                new=True,
                at=now,
                tickets=tuple(d.ticket for d in drafts),
            )
        )
        for d in drafts:
            d.log.events = []
            announce(TicketOpened(d.ticket, d.started, tuple(d.pages)))
    for d in drafts:
        assert d.message is not None
        d.ticket.opening = Opening(tags=sorted(d.tags), clocks=d.started, message=d.message)
    return [d.ticket for d in drafts]


def _draft(request: OpenRequest, versions: dict[str, PolicyVersion], now: datetime) -> _Draft:
    """The unsaved ticket of ``request`` under its organization's current policy (the
    `PolicyVersion` looked up once per policy name in ``versions``)."""
    organization = request.organization
    name = organization.policy_name
    version = versions.get(name)
    if version is None:
        version = versions[name] = policy_snapshot(name)
    policy = version.policy
    actor = request.requester if request.actor is None else request.actor
    set_by = request.set_by or set_by_of(actor)
    fields = dict(request.custom_fields or {})
    plan = policy.resolve_plan(organization.plan or None) or ""
    region = policy.resolve_region(organization.region or None) or ""
    outcome = policy.apply_rules(request.priority, fields, set_by=set_by)
    ticket = Ticket(
        subject=request.subject[:300],
        requester=request.requester,
        organization=organization,
        priority=outcome.priority,
        status=Status.NEW,
        channel=request.channel,
        custom_fields=fields,
        follow_up_of=request.follow_up_of,
        team=request.team,
        policy_version=version,
        policy_name=policy.name,
        plan=plan,
        region=region,
        created_at=now,
        updated_at=now,
    )
    pages = policy.pages_on_create(ticket.priority, now, plan or None, region or None)
    if not request.may_page:  # issue 13: an unverified sender never pages
        pages = []
    return _Draft(request, ticket, Log(ticket, actor, request.channel, now), set_by, outcome, pages)


def _log_created(d: _Draft) -> None:
    """The ``created`` event, the first message's files and the rule event of ``d``."""
    assert d.message is not None
    ticket, r, policy = d.ticket, d.request, d.ticket.policy
    d.log.add(
        events.created,
        priority=ticket.priority,
        requested_priority=r.priority,
        set_by=d.set_by,
        policy=policy.name,
        policy_digest=policy.digest,
        plan=ticket.plan,
        region=ticket.region,
        tags=d.tags,
        message_id=d.message.pk,
        follow_up_of=r.follow_up_of.pk if r.follow_up_of else None,
        pages=d.pages,
    )
    store_uploads(d.message, r.attachments, d.log)
    if d.outcome.reasons:
        d.log.add(events.rule, priority=d.outcome.priority, reasons=d.outcome.reasons)


def refresh_clocks(ticket: Ticket, now: datetime | None = None) -> list[SlaClock]:
    """Mark breached every running clock whose due instant is at or before ``now``.

    ``breached_at`` (and the event's ``at``) is the due instant (`breach_due_clocks`).
    Safe to run twice. Returns the clocks that breached now.
    """
    now = now or core_time.now()
    with transaction.atomic():
        ticket = lock(ticket)
        log = Log(ticket, None, Channel.SYSTEM, now)
        changes = refresh(ticket, now, log)
        log.flush()
    return [c.clock for c in changes]
