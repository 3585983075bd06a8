"""Merge, split and link tickets.

See `sladesk.tickets.services` for the conventions every service follows. What each does:

=============  ===========================================================================
merge A → B    same organization only. A's messages (with their attachments) move to B,
               marked ``origin_ticket = A``, in their own time order among B's. A is
               closed with a ``merged`` link to B and an internal note; A's open clocks are
               *cancelled* (neither met nor breached: nobody kept or broke that promise, B
               carries it on) and their timers cancelled in the same transaction; clocks A
               had already breached stay breached (that breach happened). B keeps its
               clocks as they are. With ``notify_requester`` A's requester gets a public
               note on A (mailed to those who wrote A by email). A later customer reply to
               A goes to B (`services.reply` follows the merge); A's mail threading
               (its sent and received Message-IDs) moves to B, so a reply by mail to any
               old mail of A threads into B, and whoever wrote A by email gets B's public
               replies by email (`sladesk.intake.outbound.mail_recipients`).
split          some messages of a ticket become a new ticket of the same organization,
               linked ``split`` to the original (which keeps its clocks and gets an
               internal note). The new ticket runs under the organization's current policy
               and its clocks start at the *earliest moved message's* time: the customer
               has been waiting since they wrote, and splitting must not restart (or hide)
               that wait. Moved public agent replies count as they did: the first meets
               first response at its time, the latest starts the ``next_update`` cadence
               (where the policy has one), as `services.reply` would have; a target
               already past is recorded breached at its due instant, as everywhere. The
               moved messages' mail threading (their received and sent Message-IDs)
               moves with them: a reply to a mail that was split off threads to the new
               ticket, whose public replies are mailed to whoever wrote it by email.
link / unlink  a symmetric ``related`` link; both tickets log it. Merge and split links are
               history and cannot be unlinked.
=============  ===========================================================================
"""

from __future__ import annotations

import html as html_lib
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce

from sladesk.accounts.models import Contact
from sladesk.core import time as core_time

from .. import clocks, events, search
from ..announce import (
    AgentReplied,
    ClocksChanged,
    TicketMerged,
    TicketOpened,
    TicketSplit,
    announce,
)
from ..clocks import ClockChange
from ..models import (
    Channel,
    LinkKind,
    Message,
    Metric,
    SlaClock,
    Status,
    Ticket,
    TicketLink,
)
from .base import (
    Log,
    ServiceError,
    add_tag_names,
    clocks_by_metric,
    customer_side,
    policy_snapshot,
    refresh,
    save_clocks,
    set_status,
    touch,
)
from .base import lock as _lock  # this module's own seam (the concurrency tests slow it)

__all__ = ["link", "merge", "merge_target", "split", "unlink"]

#: How many merges `merge_target` follows (A → B → C ...) before giving up.
_MAX_HOPS = 20


def _agent_only(actor: Any, what: str) -> None:
    if actor is not None and not isinstance(actor, str) and customer_side(actor) is not None:
        raise ServiceError(f"only agents can {what} tickets")


def _lock_pair(a: Ticket, b: Ticket) -> tuple[Ticket, Ticket]:
    """Both tickets locked, always in ticket-number order (two merges never deadlock)."""
    if a.pk == b.pk:
        raise ServiceError(f"#{a.pk} cannot be merged into or linked to itself")
    first, second = sorted((a, b), key=lambda t: t.pk)
    locked = {t.pk: t for t in (_lock(first), _lock(second))}
    return locked[a.pk], locked[b.pk]


def _system_note(ticket: Ticket, author: Any, text: str, at: Any, channel: str) -> Message:
    user = None if author is None or isinstance(author, str | Contact) else author
    return Message.objects.create(
        ticket=ticket,
        author_user=user,
        public=False,
        body_text=text,
        body_html=f"<p>{html_lib.escape(text)}</p>",
        channel=channel,
        created_at=at,
    )


def merge_target(ticket: Ticket) -> Ticket | None:
    """The open end of the merge chain of ``ticket`` (A → B → C: C), or None if not merged."""
    seen = {ticket.pk}
    current: int | None = None
    pk = ticket.pk
    for _ in range(_MAX_HOPS):
        nxt = (
            TicketLink.objects.filter(source_id=pk, kind=LinkKind.MERGED)
            .values_list("target_id", flat=True)
            .first()
        )
        if nxt is None or nxt in seen:
            break
        seen.add(nxt)
        current = pk = nxt
    return Ticket.objects.get(pk=current) if current is not None else None


def merge(
    source: Ticket,
    *,
    into: Ticket,
    actor: Any,
    notify_requester: bool = False,
    note: str = "",
    channel: str = Channel.WEB,
) -> Ticket:
    """Merge ``source`` into ``into`` (see the module table); returns ``into``, locked and current.

    Raises `ServiceError` when the tickets are the same, of different organizations, when
    ``source`` is closed (already final, or merged before) or ``into`` is closed.
    """
    _agent_only(actor, "merge")
    now = core_time.now()
    with transaction.atomic():
        source, target = _lock_pair(source, into)
        if source.organization_id != target.organization_id:
            raise ServiceError(
                f"#{source.pk} belongs to {source.organization.name} and #{target.pk} to "
                f"{target.organization.name}: only tickets of the same organization can be merged"
            )
        if source.status == Status.CLOSED:
            raise ServiceError(f"#{source.pk} is closed and cannot be merged")
        if target.status == Status.CLOSED:
            raise ServiceError(f"#{target.pk} is closed: merge into an open ticket")
        log_a = Log(source, actor, channel, now)
        log_b = Log(target, actor, channel, now)
        refresh(source, now, log_a)
        refresh(target, now, log_b)
        reason = f"merged into #{target.pk}"
        targets = clocks.targets_of(source)
        save_clocks(
            [
                clocks.cancel(c, targets.get(m), now, reason)
                for m, c in clocks_by_metric(source).items()
            ],
            log_a,
        )
        moved = list(Message.objects.filter(ticket=source).values_list("pk", flat=True))
        Message.objects.filter(pk__in=moved).update(
            ticket=target, origin_ticket=Coalesce(F("origin_ticket"), source.pk)
        )
        TicketLink.objects.create(
            source=source, target=target, kind=LinkKind.MERGED, created_by=log_a.user
        )
        set_status(source, Status.CLOSED, log_a, reason)
        source.closed_at = now
        touch(source, now, "status", "closed_at")
        touch(target, now)
        extra = f"\n\n{note.strip()}" if note and note.strip() else ""
        note_a = _system_note(
            source,
            actor,
            f"Merged into #{target.pk} «{target.subject}»: {len(moved)} "
            f"message(s) moved there.{extra}",
            now,
            channel,
        )
        note_b = _system_note(
            target,
            actor,
            f"#{source.pk} «{source.subject}» was merged into this ticket: its "
            f"{len(moved)} message(s) are shown here, marked “from #{source.pk}”.{extra}",
            now,
            channel,
        )
        log_a.add(
            events.merge,
            into=target.pk,
            messages=moved,
            note_id=note_a.pk,
            notified=notify_requester,
        )
        log_b.add(events.merge, **{"from": source.pk, "messages": moved, "note_id": note_b.pk})
        if notify_requester:
            _tell_requester(source, target, actor, now, channel, log_a)
        # After the notice to source's requester, which is mailed on source's own thread.
        announce(TicketMerged(source, target))
        search.messages_moved([source.pk, target.pk])
        log_a.flush()
        log_b.flush()
    return target


def _tell_requester(
    source: Ticket, target: Ticket, actor: Any, now: Any, channel: str, log: Log
) -> None:
    """A public note on ``source`` for its requester (mailed to whoever wrote it by email)."""
    text = (
        f"Your request #{source.pk} «{source.subject}» has been merged into #{target.pk} "
        f"«{target.subject}». We continue there; replies to this ticket reach it too."
    )
    user = None if actor is None or isinstance(actor, str | Contact) else actor
    message = Message.objects.create(
        ticket=source,
        author_user=user,
        public=True,
        from_customer=False,
        body_text=text,
        body_html=f"<p>{html_lib.escape(text)}</p>",
        channel=channel,
        created_at=now,
    )
    log.add(
        events.customer_notice,
        template="merged",
        to_contact=source.requester_id,
        message_id=message.pk,
        into=target.pk,
    )
    announce(AgentReplied(message))


def split(
    ticket: Ticket,
    *,
    messages: Sequence[int],
    actor: Any,
    subject: str | None = None,
    priority: str | None = None,
    channel: str = Channel.WEB,
) -> Ticket:
    """Move ``messages`` (ids of messages of ``ticket``) to a new ticket (see the module table).

    The new ticket's requester is the author of the earliest moved customer message (else
    the original's requester); subject defaults to ``Split from #N: <subject>``, priority
    to the original's (through the policy's rules, as an agent's choice); custom fields,
    tags and team are copied. Raises `ServiceError` for no messages, messages of another
    ticket, or all of the ticket's messages (nothing would remain: merge instead).
    """
    _agent_only(actor, "split")
    ids = sorted({int(m) for m in messages})
    if not ids:
        raise ServiceError("choose at least one message to split off")
    now = core_time.now()
    with transaction.atomic():
        original = _lock(ticket)
        chosen = list(
            Message.objects.filter(ticket=original, pk__in=ids).order_by("created_at", "id")
        )
        missing = sorted(set(ids) - {m.pk for m in chosen})
        if missing:
            raise ServiceError(f"messages {missing} are not messages of #{original.pk}")
        if not Message.objects.filter(ticket=original).exclude(pk__in=ids).exists():
            raise ServiceError(f"that is every message of #{original.pk}: nothing would remain")
        log_o = Log(original, actor, channel, now)
        refresh(original, now, log_o)
        start = chosen[0].created_at
        authors = [m.author_contact for m in chosen if m.author_contact_id is not None]
        requester = next(
            (c for c in authors if c.organization_id == original.organization_id),
            original.requester,
        )
        new = _new_ticket(original, requester, subject, priority, start, chosen[0].channel)
        log_n = Log(new, actor, channel, now)
        Message.objects.filter(pk__in=ids).update(
            ticket=new, origin_ticket=Coalesce(F("origin_ticket"), original.pk)
        )
        announce(TicketSplit(original, new, ids))
        tags = add_tag_names(new, list(original.tags.values_list("name", flat=True)))
        TicketLink.objects.create(
            source=new, target=original, kind=LinkKind.SPLIT, created_by=log_o.user
        )
        policy = clocks.policy_of(new)
        log_n.add(
            events.created,
            priority=new.priority,
            requested_priority=priority or original.priority,
            set_by="agent",
            policy=policy.name,
            policy_digest=policy.digest,
            plan=new.plan,
            region=new.region,
            tags=tags,
            split_from=original.pk,
            started_at=start.isoformat(),
        )
        log_n.add(events.split, **{"from": original.pk, "messages": ids})
        started = _start_clocks(new, chosen, now, log_n)
        announce(TicketOpened(new, started))  # opened at its start (`new.created_at`)
        note = _system_note(
            original,
            actor,
            f"{len(ids)} message(s) split off into #{new.pk} «{new.subject}».",
            now,
            channel,
        )
        log_o.add(events.split, to=new.pk, messages=ids, note_id=note.pk)
        search.messages_moved([original.pk, new.pk])
        touch(original, now)
        log_o.flush()
        log_n.flush()
    return new


def _new_ticket(
    original: Ticket,
    requester: Contact,
    subject: str | None,
    priority: str | None,
    at: Any,
    channel: str,
) -> Ticket:
    org = original.organization
    version = policy_snapshot(org.policy_name)
    policy = version.policy
    wanted = priority or original.priority
    try:
        policy.resolve_priority(wanted)
    except Exception:
        if priority:
            raise
        wanted = None  # the original's priority is gone from the current policy
    outcome = policy.apply_rules(wanted, dict(original.custom_fields), set_by="agent")
    title = (subject or "").strip() or f"Split from #{original.pk}: {original.subject}"
    return Ticket.objects.create(
        subject=title[:300],
        requester=requester,
        organization=org,
        priority=outcome.priority,
        status=Status.NEW,
        channel=channel,
        custom_fields=dict(original.custom_fields),
        team=original.team,
        policy_version=version,
        policy_name=policy.name,
        plan=policy.resolve_plan(org.plan or None) or "",
        region=policy.resolve_region(org.region or None) or "",
        created_at=at,
        updated_at=core_time.now(),
    )


def _start_clocks(ticket: Ticket, moved: list[Message], now: Any, log: Log) -> list[SlaClock]:
    """The clocks `open_ticket` starts, from ``ticket.created_at``; then the moved public
    agent replies act as `services.reply` would have at their times: the first meets first
    response, the latest starts the ``next_update`` cadence (when the policy has one, not
    continuous). Targets already past breach at their due instants (`refresh`)."""
    targets = clocks.targets_of(ticket)
    changes: list[ClockChange | None] = [
        clocks.new_clock(ticket, target, ticket.created_at)
        for metric, target in targets.items()
        if metric != Metric.NEXT_UPDATE and not target.continuous
    ]
    started = [c.clock for c in changes if c is not None]
    replies = [m for m in moved if m.public and not m.from_customer]
    first = next((c for c in started if c.metric == Metric.FIRST_RESPONSE), None)
    if replies and first is not None:
        why = "public agent reply (split off with it)"
        changes.append(clocks.breach_due(first, replies[0].created_at))
        changes.append(
            clocks.meet(first, targets.get(Metric.FIRST_RESPONSE), replies[0].created_at, why)
        )
    cadence = targets.get(Metric.NEXT_UPDATE)
    if replies and cadence is not None and not cadence.continuous:
        update = clocks.new_clock(ticket, cadence, replies[-1].created_at)
        changes.append(update)
        started.append(update.clock)
    if replies:
        set_status(ticket, Status.OPEN, log, "split off with an agent reply")
        ticket.save(update_fields=["status"])
    SlaClock.objects.bulk_create(started)
    for change in changes:
        log.clock(change)
    announce(ClocksChanged(started, at=now, tickets=(ticket,)))
    refresh(ticket, now, log)
    return started


def link(ticket: Ticket, other: Ticket, *, actor: Any, channel: str = Channel.WEB) -> TicketLink:
    """Relate two tickets (symmetric, any organizations: one outage, several customers).

    Linking twice returns the existing link and logs nothing.
    """
    _agent_only(actor, "link")
    now = core_time.now()
    with transaction.atomic():
        a, b = _lock_pair(ticket, other)
        low, high = sorted((a.pk, b.pk))
        existing = TicketLink.objects.filter(
            source_id=low, target_id=high, kind=LinkKind.RELATED
        ).first()
        if existing is not None:
            return existing
        log_a, log_b = Log(a, actor, channel, now), Log(b, actor, channel, now)
        row = TicketLink.objects.create(
            source_id=low,
            target_id=high,
            kind=LinkKind.RELATED,
            created_by=log_a.user,
            created_at=now,
        )
        log_a.add(events.link, action="linked", other=b.pk)
        log_b.add(events.link, action="linked", other=a.pk)
        log_a.flush()
        log_b.flush()
    return row


def unlink(ticket: Ticket, other: Ticket, *, actor: Any, channel: str = Channel.WEB) -> bool:
    """Remove the ``related`` link between two tickets; False when there was none.

    Merge and split links are history: asking to unlink those raises `ServiceError`.
    """
    _agent_only(actor, "unlink")
    now = core_time.now()
    with transaction.atomic():
        a, b = _lock_pair(ticket, other)
        pair = Q(source=a, target=b) | Q(source=b, target=a)
        rows = TicketLink.objects.filter(pair)
        if not rows.filter(kind=LinkKind.RELATED).exists():
            if rows.exists():
                raise ServiceError(
                    f"#{a.pk} and #{b.pk} are linked by a merge or split, which stays"
                )
            return False
        rows.filter(kind=LinkKind.RELATED).delete()
        log_a, log_b = Log(a, actor, channel, now), Log(b, actor, channel, now)
        log_a.add(events.link, action="unlinked", other=b.pk)
        log_b.add(events.link, action="unlinked", other=a.pk)
        log_a.flush()
        log_b.flush()
    return True
