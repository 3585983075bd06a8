"""Assignment (dispatch), field updates under the policy rules, and policy re-targeting.

See `sladesk.tickets.services` for the conventions every service follows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction

from sladesk.accounts.models import Team
from sladesk.core import time as core_time

from .. import clocks, events, search
from ..clocks import ClockChange
from ..models import (
    Channel,
    Metric,
    SlaClock,
    Status,
    Ticket,
)
from .base import (
    Log,
    ServiceError,
    add_tag_names,
    check_subject,
    clocks_by_metric,
    lock,
    policy_snapshot,
    refresh,
    save_clocks,
    set_status,
    touch,
)
from .escalation import check_custom_fields
from .lifecycle import change_priority_in

__all__ = ["add_tags", "assign", "retarget_policy", "update_fields"]


def assign(
    ticket: Ticket,
    *,
    team: Team | None = None,
    assignee: Any = None,
    actor: Any,
    channel: str = Channel.WEB,
) -> Ticket:
    """Dispatch: set the team and/or the agent (None leaves that one unchanged).

    The dispatch clock (freistilbox: "dispatched after 1 hour during business hours") is met
    by the first assignment; a new ticket becomes open.
    """
    if team is None and assignee is None:
        raise ServiceError("assign needs a team or an assignee")
    now = core_time.now()
    with transaction.atomic():
        ticket = lock(ticket)
        log = Log(ticket, actor, channel, now)
        refresh(ticket, now, log)
        data: dict[str, Any] = {}
        if team is not None and team.pk != ticket.team_id:
            data["team"] = {"from": ticket.team_id, "to": team.pk}
            ticket.team = team
        if assignee is not None and assignee.pk != ticket.assignee_id:
            data["assignee"] = {"from": ticket.assignee_id, "to": assignee.pk}
            ticket.assignee = assignee
        if data:
            log.add(events.assigned, **data)
        dispatch = SlaClock.objects.filter(ticket=ticket, metric=Metric.DISPATCH).first()
        if dispatch is not None:
            target = clocks.targets_of(ticket).get(Metric.DISPATCH)
            save_clocks([clocks.meet(dispatch, target, now, "assignment")], log)
        if ticket.status == Status.NEW:
            set_status(ticket, Status.OPEN, log, "assigned")
        touch(ticket, now, "team", "assignee", "status")
        log.flush()
    return ticket


def update_fields(
    ticket: Ticket,
    *,
    custom_fields: Mapping[str, Any] | None = None,
    tags: Sequence[str] | None = None,
    subject: str | None = None,
    actor: Any,
    channel: str = Channel.WEB,
) -> Ticket:
    """Change custom fields (merged; a None value removes the key), tags (replaced) or subject.

    The escalation is not a custom field: naming it raises `ServiceError`
    (`check_custom_fields`).

    The policy's rules re-apply to the new fields on every change (`Policy.apply_rules` with
    the current priority, ``set_by="system"``): a cap, floor or set that changes the priority
    goes through the same re-targeting as `change_priority`, with the rule's reason. Tags a
    rule adds are added.
    """
    check_custom_fields(custom_fields)
    now = core_time.now()
    with transaction.atomic():
        ticket = lock(ticket)
        log = Log(ticket, actor, channel, now)
        refresh(ticket, now, log)
        changed: dict[str, Any] = {}
        if custom_fields:
            merged = dict(ticket.custom_fields)
            for key, value in custom_fields.items():
                if value is None:
                    merged.pop(key, None)
                else:
                    merged[key] = value
            if merged != ticket.custom_fields:
                changed["custom_fields"] = {"from": ticket.custom_fields, "to": merged}
                ticket.custom_fields = merged
        if subject is not None:
            check_subject(subject)
        if subject is not None and subject != ticket.subject:
            changed["subject"] = {"from": ticket.subject, "to": subject}
            ticket.subject = subject[:300]
        if tags is not None:
            before = sorted(ticket.tags.values_list("name", flat=True))
            ticket.tags.clear()
            after = sorted(add_tag_names(ticket, tags))
            if before != after:
                changed["tags"] = {"from": before, "to": after}
        if changed:
            log.add(events.fields, **changed)
        touch(ticket, now, "custom_fields", "subject")
        policy = clocks.policy_of(ticket)
        outcome = policy.apply_rules(ticket.priority, ticket.custom_fields, set_by="system")
        added = add_tag_names(ticket, outcome.tags)
        if outcome.priority != ticket.priority:
            log.add(events.rule, priority=outcome.priority, reasons=outcome.reasons, tags=added)
            change_priority_in(ticket, outcome.priority, now, log, " ".join(outcome.reasons))
        if "subject" in changed or "tags" in changed or added:
            search.heads_changed([ticket.pk])
        log.flush()
    return ticket


def add_tags(
    ticket: Ticket,
    *,
    tags: Sequence[str],
    actor: Any,
    reason: str = "",
    channel: str = Channel.WEB,
) -> list[str]:
    """Add ``tags`` to the ticket, keeping the ones it has; returns the tags newly added.

    Logged as a ``fields`` event (``tags`` from/to, ``reason``) only when something was
    added; adding a tag the ticket already has changes nothing and logs nothing.
    """
    now = core_time.now()
    with transaction.atomic():
        ticket = lock(ticket)
        before = sorted(ticket.tags.values_list("name", flat=True))
        wanted = [t.strip() for t in tags if t and t.strip() and t.strip() not in before]
        if not wanted:
            return []
        log = Log(ticket, actor, channel, now)
        add_tag_names(ticket, wanted)
        after = sorted(ticket.tags.values_list("name", flat=True))
        log.add(events.fields, tags={"from": before, "to": after}, reason=reason)
        search.heads_changed([ticket.pk])
        touch(ticket, now)
        log.flush()
    return [t for t in after if t not in before]


def retarget_policy(
    ticket: Ticket, *, actor: Any, reason: str, policy_name: str | None = None
) -> Ticket:
    """Move a ticket to the current version of its (or another) policy file — explicitly.

    Editing a policy file changes nothing for existing tickets; this service is how a ticket
    adopts the new text. Plan and region are re-read from the organization; the priority is
    kept when the new policy knows it, else the new default applies. Open clocks are
    re-targeted like a priority change (same used time). Logged as a ``policy`` event with
    both digests.
    """
    if not reason or not reason.strip():
        raise ServiceError("re-targeting a policy needs a reason")
    now = core_time.now()
    with transaction.atomic():
        ticket = lock(ticket)
        log = Log(ticket, actor, Channel.SYSTEM if actor is None else Channel.WEB, now)
        refresh(ticket, now, log)
        version = policy_snapshot(policy_name or ticket.policy_name)
        if version.pk == ticket.policy_version_id:
            return ticket
        old_digest = ticket.policy_version.digest
        policy = version.policy
        try:
            priority = policy.resolve_priority(ticket.priority)
        except Exception:
            priority = policy.default_priority
        ticket.policy_version = version
        ticket.policy_name = policy.name
        ticket.plan = policy.resolve_plan(ticket.organization.plan or None) or ""
        ticket.region = policy.resolve_region(ticket.organization.region or None) or ""
        ticket.priority = priority
        touch(ticket, now, "policy_version", "policy_name", "plan", "region", "priority")
        log.add(
            events.policy,
            policy=policy.name,
            from_digest=old_digest,
            to_digest=version.digest,
            priority=priority,
            reason=reason,
        )
        targets = clocks.targets_of(ticket)
        changes: list[ClockChange | None] = []
        for metric, clock in clocks_by_metric(ticket).items():
            target = targets.get(metric)
            if not clock.is_open:
                continue
            if target is None or target.continuous:
                changes.append(
                    clocks.cancel(clock, None, now, f"no {metric} target in the new policy")
                )
            else:
                changes.append(clocks.retarget(clock, target, now, f"policy re-target: {reason}"))
        save_clocks(changes, log)
        refresh(ticket, now, log)
        log.flush()
    return ticket
