"""Writing macros and applying one to a ticket (who may: `sladesk.macros.access`).

* `save` and `delete` write a macro for an agent, after `sladesk.macros.access` allowed it:
  ``shared`` makes it everyone's (owner None), otherwise it is the agent's own.
* `apply` runs, in one transaction: the public reply (body rendered by
  `sladesk.macros.render`), tags, assignment, priority (with the macro's reason), status —
  each through its ticket service. A refusal (e.g. a closed ticket cannot become pending)
  rolls all of it back and names the problem.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from sladesk.tickets import services
from sladesk.tickets.models import Status, Ticket

from .access import may_manage, may_share
from .models import Macro
from .render import render
from .validation import CHANGES, macro_problems

__all__ = ["MacroRefused", "Plan", "apply", "delete", "plan", "save"]


class MacroRefused(Exception):
    """A macro write the rules refuse; the message says why (shown as it is)."""


def save(macro: Macro, *, by: Any, shared: bool) -> Macro:
    """Create or update ``macro`` as ``by``: shared (owner None) or ``by``'s own.

    Refused (`MacroRefused`) when ``by`` may not manage the macro as stored (another
    agent's, or a shared one and ``by`` is no admin), when a non-admin asks for
    ``shared``, or when `sladesk.macros.validation` finds a problem."""
    if macro.pk is not None:
        row = Macro.objects.filter(pk=macro.pk).values("owner_id").first()
        if row is None:
            raise MacroRefused("This macro no longer exists.")
        stored = row["owner_id"]
        if not may_manage(by, Macro(owner_id=stored)):
            raise MacroRefused(
                "Only admins change shared macros."
                if stored is None
                else "Only its owner changes a personal macro."
            )
    if shared and not may_share(by):
        raise MacroRefused("Only admins share macros.")
    if problems := macro_problems(_fields_of(macro)):
        raise MacroRefused("; ".join(problems.values()))
    macro.owner = None if shared else by
    macro.save()
    return macro


def _fields_of(macro: Macro) -> dict[str, Any]:
    values = {f: getattr(macro, f) for f in CHANGES if f not in ("team", "assignee")}
    return {
        **values,
        "team": macro.team_id,
        "assignee": macro.assignee_id,
        "priority_reason": macro.priority_reason,
    }


def delete(macro: Macro, *, by: Any) -> None:
    """Delete ``macro`` as ``by`` (`MacroRefused` when ``by`` may not manage it)."""
    if not may_manage(by, macro):
        raise MacroRefused(
            "Only admins delete shared macros."
            if macro.shared
            else "Only its owner deletes a personal macro."
        )
    macro.delete()


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
