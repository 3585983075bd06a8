"""One line of words per `TicketEvent` for the ticket page's timeline.

Events store ids (``assigned`` team/assignee, ``user:4`` mail recipients); the page says
names: `Names.of(events)` looks the teams and users of a whole timeline up in two queries
and `describe` uses it ("assigned team Devops, assignee Alice Smith").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model

from sladesk.accounts.models import Team
from sladesk.web.clocks import metric_label

__all__ = ["Names", "describe", "undelivered"]

_USER_REF = re.compile(r"user:(\d+)")


@dataclass
class Names:
    """Display names of the teams and users a timeline refers to by id."""

    teams: dict[int, str] = field(default_factory=dict)
    users: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, events: list[Any]) -> Names:
        """The names behind every id in ``events`` (two queries, whatever their number)."""
        team_ids: set[int] = set()
        user_ids: set[int] = set()
        for e in events:
            d = e.data or {}
            if e.kind == "assigned":
                for key, change in d.items():
                    if not isinstance(change, dict):
                        continue
                    ids = {v for v in (change.get("from"), change.get("to")) if isinstance(v, int)}
                    (team_ids if key == "team" else user_ids).update(ids)
            elif e.kind == "notify":
                user_ids.update(int(m) for m in _USER_REF.findall(str(d.get("to", ""))))
        names = cls()
        if team_ids:
            names.teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))
        if user_ids:
            for user in get_user_model().objects.filter(pk__in=user_ids):
                names.users[user.pk] = user.get_full_name() or user.get_username()
        return names

    def team(self, pk: Any) -> str:
        return "nobody" if pk is None else self.teams.get(pk, f"#{pk} (deleted)")

    def user(self, pk: Any) -> str:
        return "nobody" if pk is None else self.users.get(pk, f"#{pk} (deleted)")

    def recipients(self, text: str) -> str:
        """``user:4`` references replaced by the user's name."""
        return _USER_REF.sub(lambda m: self.user(int(m.group(1))), text)


def _arrow(data: dict[str, Any]) -> str:
    return f"{data.get('from') or '—'} → {data.get('to') or '—'}"


def describe(event: Any, names: Names | None = None) -> str:
    """``priority P3 → P1: customer's fleet is down`` and the like; ids become the names in
    ``names`` (`Names.of` the page's events)."""
    names = names or Names()
    d: dict[str, Any] = event.data or {}
    kind = event.kind
    if kind == "created":
        plan = f", plan {d['plan']}" if d.get("plan") else ""
        return f"opened at {d.get('priority')} under {d.get('policy')}{plan}"
    if kind == "message":
        return "customer reply" if d.get("from_customer") else "public reply"
    if kind == "note":
        return "internal note"
    if kind == "status":
        return f"status {_arrow(d)}" + (f" ({d['reason']})" if d.get("reason") else "")
    if kind == "priority":
        return f"priority {_arrow(d)}: {d.get('reason', '')}"
    if kind == "assigned":
        parts = [
            f"{k} {names.team(v.get('to')) if k == 'team' else names.user(v.get('to'))}"
            for k, v in d.items()
            if isinstance(v, dict)
        ]
        return "assigned " + ", ".join(parts)
    if kind == "fields":
        return "changed " + ", ".join(sorted(d))
    if kind == "rule":
        return (
            "policy rule: " + "; ".join(d.get("reasons") or []) + f" (priority {d.get('priority')})"
        )
    if kind == "clock":
        return f"{metric_label(str(d.get('metric', '')))} clock {_arrow(d)}: {d.get('reason', '')}"
    if kind == "customer_notice":
        return f"customer notified ({d.get('template', '')})"
    if kind == "policy":
        return f"policy re-targeted to {d.get('policy')}: {d.get('reason', '')}"
    if kind == "follow_up":
        return f"follow-up ticket #{d.get('follow_up')}"
    if kind == "action":
        metric = metric_label(str(d.get("metric", "")))
        return (
            f"policy action at {metric} {d.get('moment', '')}: "
            f"{d.get('does', '')} — {d.get('outcome', '')}"
        )
    if kind == "page":
        return f"page {d.get('action', '')}" + (f": {d['reason']}" if d.get("reason") else "")
    if kind == "notify":
        return names.recipients(_notify(d))
    return _relations(kind, d)


#: What a ``notify`` event's ``action`` (the outbox row's purpose) sent.
_SENT = {
    "acknowledgement": "acknowledgement mail",
    "customer_reply": "reply mail",
    "customer_notice": "customer notice",
    "escalation": "escalation mail",
    "warning": "warning notification",
    "breach": "breach notification",
}


def _recipients(to: Any) -> str:
    items = to if isinstance(to, list) else [to] if to else []
    return ", ".join(str(t).removeprefix("email:").removeprefix("customer ") for t in items)


def _notify(d: dict[str, Any]) -> str:
    """``acknowledgement mail to jane@acme.example: NOT DELIVERED after 15 attempt(s) (...)``:
    a notification queued, delivered or dead (`sladesk.notify.outbox`), or mail received on
    the ticket that was ignored (`sladesk.intake.pipeline`)."""
    action = str(d.get("action", ""))
    if action == "inbound_ignored":
        return f"incoming mail ignored (no reply, no ticket): {d.get('reason', '')}"
    what = _SENT.get(action, action.replace("_", " ") or "notification")
    if d.get("metric"):
        what = f"{metric_label(str(d['metric']))} {what}"
    to = _recipients(d.get("to"))
    where = f" to {to}" if to else ""
    outcome = str(d.get("outcome", ""))
    if outcome == "dead":
        detail = f" ({d['detail']})" if d.get("detail") else ""
        return f"{what}{where}: NOT DELIVERED after {d.get('attempts', '?')} attempt(s){detail}"
    return f"{what}{where}: {outcome}" if outcome else f"{what}{where}"


def _relations(kind: str, d: dict[str, Any]) -> str:
    """Merge, split, link, attachment and escalation events."""
    if kind == "merge":
        n = len(d.get("messages") or [])
        if d.get("into"):
            told = ", requester told" if d.get("notified") else ""
            return f"merged into #{d['into']} ({n} message(s) moved{told})"
        return f"#{d.get('from')} merged into this ticket ({n} message(s) moved here)"
    if kind == "split":
        n = len(d.get("messages") or [])
        return (
            f"{n} message(s) split off into #{d['to']}"
            if d.get("to")
            else f"split from #{d.get('from')}"
        )
    if kind == "link":
        return f"{d.get('action', 'linked')} #{d.get('ticket')}"
    if kind == "attachment":
        return "attached " + ", ".join(str(f.get("filename")) for f in d.get("files") or [])
    if kind == "escalation":
        return f"escalated to level {d.get('level')} ({d.get('role')}): {d.get('reason', '')}"
    return kind


def undelivered(events: list[Any], names: Names | None = None) -> list[tuple[Any, str]]:
    """The notifications of ``events`` (a ticket's log, oldest first) that died and were
    not delivered since (a dead outbox row retried from the admin logs ``delivered`` for
    the same ``outbox`` row): each event with its words. Read from the log the page
    already loads, so it costs no query."""
    dead: dict[Any, Any] = {}
    for e in events:
        d = e.data or {}
        if e.kind != "notify" or "outbox" not in d:
            continue
        if d.get("outcome") == "dead":
            dead[d["outbox"]] = e
        elif d.get("outcome") == "delivered":
            dead.pop(d["outbox"], None)
    names = names or Names()
    return [(e, names.recipients(_notify(e.data))) for e in dead.values()]
