"""Which macros an agent may use and manage, and applying one to a ticket.

* An agent uses the shared macros (``owner`` None) and its own; it creates, edits and
  deletes its own. Admins also manage the shared ones.
* `apply` runs, in one transaction: the public reply (body rendered by
  `sladesk.macros.render`), tags, assignment, priority (with the macro's reason), status —
  each through its ticket service. A refusal (e.g. a closed ticket cannot become pending)
  rolls all of it back and names the problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet

from sladesk.accounts.roles import Role, role_of
from sladesk.tickets import services
from sladesk.tickets.models import Status, Ticket

from .models import Macro
from .render import render

__all__ = ["Plan", "apply", "may_manage", "plan", "usable_macros"]


def usable_macros(user: Any) -> QuerySet[Macro]:
    """The shared macros and ``user``'s own."""
    return Macro.objects.filter(Q(owner__isnull=True) | Q(owner_id=user.pk))


def may_manage(user: Any, macro: Macro) -> bool:
    """Its owner manages a personal macro; admins manage shared ones."""
    if macro.owner_id is None:
        return role_of(user) == Role.ADMIN
    return bool(macro.owner_id == user.pk)


@dataclass(frozen=True)
class Plan:
    """What applying a macro to a ticket will do (the preview shows it)."""

    reply: str
    changes: list[str] = field(default_factory=list)


def plan(macro: Macro, ticket: Ticket, agent: Any) -> Plan:
    """The rendered reply and the field changes, in the order `apply` makes them."""
    changes = []
    if macro.tag_list:
        changes.append(f"add tags {', '.join(macro.tag_list)}")
    assignee = agent if macro.assign_to_me else macro.assignee
    if macro.team_id or assignee is not None:
        who = [x for x in (macro.team.name if macro.team else "", _label(assignee)) if x]
        changes.append(f"assign to {' / '.join(who)}")
    if macro.priority:
        changes.append(f"priority {macro.priority} ({macro.priority_reason})")
    if macro.status:
        changes.append(f"status {dict(Status.choices).get(macro.status, macro.status)}")
    return Plan(render(macro.body, ticket, agent).strip(), changes)


def _label(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def apply(macro: Macro, ticket: Ticket, agent: Any) -> Plan:
    """Apply ``macro`` to ``ticket`` as ``agent`` (one transaction; see the module)."""
    done = plan(macro, ticket, agent)
    with transaction.atomic():
        if done.reply:
            services.reply(ticket, author=agent, body=done.reply)
        if macro.tag_list:
            services.add_tags(
                ticket, tags=macro.tag_list, actor=agent, reason=f"macro {macro.name}"
            )
        assignee = agent if macro.assign_to_me else macro.assignee
        if macro.team_id or assignee is not None:
            services.assign(ticket, team=macro.team, assignee=assignee, actor=agent)
        if macro.priority:
            services.change_priority(
                ticket,
                priority=macro.priority,
                actor=agent,
                reason=macro.priority_reason or f"macro {macro.name}",
            )
        if macro.status:
            services.change_status(
                ticket, status=macro.status, actor=agent, reason=f"macro {macro.name}"
            )
    return done
