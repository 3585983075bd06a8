"""The ticket-changing actions of a clock's moment: page, raise priority, add tag, escalate.

Run by `sladesk.notify.moments.clock_moments` in the timer worker's firing transaction,
after the moment's notifications are queued. Every change goes through the ticket
services with the actor ``policy`` (``channel = system``) and the reason the policy gives:

=================  ============================================================================
action             effect
=================  ============================================================================
page               `pages.page_oncall` about the clock (repeats until acknowledged; resolved
                   when the clock is met)
raise_priority     `services.change_priority` — ``levels`` steps more urgent, capped at the most
                   urgent, or at least ``to_priority``; the open clocks are re-targeted and their
                   timers moved in the same transaction, logged with the reason
add_tag            `services.add_tags`
escalate           the next rung of the policy's ladder: `services.escalate` (as the portal's
                   customer escalation: the ticket's ``escalation_level`` / ``escalation_role`` /
                   ``escalation_reason`` and an ``escalation`` event), and the
                   rung is told by e-mail — its ``contact`` address, else the organization's
                   account-team members whose role is the rung's role
=================  ============================================================================

**Once per timer generation.** Each action has a key
``timer:<id>:<generation>:<kind>:<action>`` written into its ``action`` ticket event; an
action whose key is already in the ticket's log is skipped, so a timer fired again (its
transaction retried, a row restored) never raises a priority twice. A new generation (the
clock re-targeted and its timer re-armed) is a new moment and acts again.

**Outcomes** go into the ``action`` event (``outcome``: e.g. ``raised P2 → P1``, ``already
P0``, ``tagged sla-breached``, ``escalated to level 1 (Customer Happiness Manager)``, ``at
the top of the escalation ladder``). An action the life cycle refuses (a `ServiceError`,
an unknown priority) is rolled back alone and logged ``failed: <why>``; the others still run.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction

from sladesk.sla import SlaError
from sladesk.tickets import clocks, events, services
from sladesk.tickets.models import Channel, EventKind, SlaClock, Ticket, TicketEvent

from .models import Timer, TimerKind
from .pages import page_oncall, page_vetoed

__all__ = ["ACTOR", "PendingAction", "action_key", "run_actions"]

logger = logging.getLogger(__name__)

#: The actor label of every change an action makes (``actor_label`` of its events).
ACTOR = "policy"
_SYSTEM = str(Channel.SYSTEM)  # the channel of those events: "system"


@dataclass
class PendingAction:
    """One non-notify action (a `sladesk.sla.MomentAction`) owed for a fired timer."""

    ticket: Ticket
    clock: SlaClock
    timer: Timer
    late: bool
    action: Any


def action_key(timer: Timer, clock: SlaClock, action: Any) -> str:
    """``timer:<id>:<generation>:<kind>:<action key>``: the action's once-only identity.

    The generation is the one the timer fired at — its clock's, after a breach was
    recorded (recording a breach bumps the clock's generation, and the fired timer takes it).
    """
    return f"timer:{timer.pk}:{clock.generation}:{timer.kind}:{action.key}"


def _done(keys: set[str], ticket_ids: set[int]) -> set[str]:
    """The keys already in the tickets' logs (one query)."""
    found = TicketEvent.objects.filter(
        ticket_id__in=ticket_ids, kind=EventKind.ACTION, data__key__in=sorted(keys)
    ).values_list("data", flat=True)
    return {d.get("key") for d in found}


def run_actions(pending: Sequence[PendingAction], moment: datetime) -> None:
    """Run each action not yet run for its timer generation, logging its outcome."""
    keys = {action_key(p.timer, p.clock, p.action) for p in pending}
    done = _done(keys, {p.ticket.pk for p in pending})
    entries: list[TicketEvent] = []
    for p in pending:
        key = action_key(p.timer, p.clock, p.action)
        if key in done:
            logger.info("action %s already ran; skipped", key)
            continue
        done.add(key)
        try:
            with transaction.atomic():
                outcome = _run(p, key, moment)
        except (SlaError, ValueError) as exc:  # ServiceError is a ValueError
            outcome = {"outcome": f"failed: {exc}"}
        entries.append(
            events.action(
                p.ticket.pk,
                moment,
                actor=ACTOR,
                key=key,
                action=p.action.kind,
                does=p.action.describe(),
                moment=p.timer.kind,
                metric=p.clock.metric,
                timer=p.timer.pk,
                late=p.late,
                reason=p.action.reason,
                **outcome,
            )
        )
    events.write(entries)


def _why(p: PendingAction) -> str:
    happened = "breached" if p.timer.kind == TimerKind.BREACH else "reached its warning point"
    what = f"{p.clock.metric.replace('_', ' ')} {happened}"
    return f"{what}: {p.action.reason}" if p.action.reason else what


def _run(p: PendingAction, key: str, moment: datetime) -> dict[str, Any]:
    kind = p.action.kind
    if kind == "page":
        return _page(p, moment)
    if kind == "raise_priority":
        return _raise(p)
    if kind == "add_tag":
        return _tag(p)
    if kind == "escalate":
        return _escalate(p)
    raise ValueError(f"unknown action {kind!r}")


def _page(p: PendingAction, moment: datetime) -> dict[str, Any]:
    vetoed = page_vetoed(p.ticket, p.clock, moment)
    if vetoed:
        return {"outcome": f"not paged: {vetoed}"}
    target = clocks.targets_of(p.ticket).get(p.clock.metric)
    text = target.text if target is not None else p.clock.metric
    metric = p.clock.metric.replace("_", " ")
    if p.timer.kind == TimerKind.BREACH:
        reason = f"{metric} target missed ({text})"
    else:
        reason = f"{metric} target at risk ({text})"
    page = page_oncall(p.ticket, reason, clock=p.clock, now=moment)
    return {"outcome": "paged", "page": page.pk}


def _raise(p: PendingAction) -> dict[str, Any]:
    policy = clocks.policy_of(p.ticket)
    current = Ticket.objects.values_list("priority", flat=True).get(pk=p.ticket.pk)
    rank = policy.rank(current)
    if p.action.to_priority:
        wanted = min(rank, policy.rank(p.action.to_priority))
    else:
        wanted = max(0, rank - p.action.levels)
    new = policy.priorities[wanted].key
    if new == current:
        return {"outcome": f"already {current}", "priority": current}
    services.change_priority(p.ticket, priority=new, actor=ACTOR, reason=_why(p), channel=_SYSTEM)
    p.ticket.priority = new  # later actions of this batch see the raised priority
    return {"outcome": f"raised {current} → {new}", "from": current, "to": new}


def _tag(p: PendingAction) -> dict[str, Any]:
    tag = p.action.tag
    added = services.add_tags(p.ticket, tags=[tag], actor=ACTOR, reason=_why(p), channel=_SYSTEM)
    return {"outcome": f"tagged {tag}" if added else f"already tagged {tag}", "tag": tag}


def _escalate(p: PendingAction) -> dict[str, Any]:
    ladder = clocks.policy_of(p.ticket).escalation
    level = Ticket.objects.values_list("escalation_level", flat=True).get(pk=p.ticket.pk)
    if level >= len(ladder):
        return {"outcome": "at the top of the escalation ladder", "level": level}
    rung = ladder[level]
    to = services.escalate(p.ticket, actor=ACTOR, reason=_why(p), channel=_SYSTEM).escalation_told
    return {
        "outcome": f"escalated to level {rung.level} ({rung.role})",
        "level": rung.level,
        "role": rung.role,
        "to": [r.label for r in to],
        "notified": "queued" if to else f"no contact configured for the {rung.role}",
    }
