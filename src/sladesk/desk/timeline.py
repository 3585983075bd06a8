"""One line of words per `TicketEvent` for the ticket page's timeline."""

from __future__ import annotations

from typing import Any

from sladesk.web.clocks import metric_label

__all__ = ["describe"]


def _arrow(data: dict[str, Any]) -> str:
    return f"{data.get('from') or '—'} → {data.get('to') or '—'}"


def describe(event: Any) -> str:
    """``priority P3 → P1: customer's fleet is down`` and the like."""
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
        parts = [f"{k} #{v.get('to')}" for k, v in d.items() if isinstance(v, dict)]
        return "assigned " + ", ".join(parts)
    if kind == "fields":
        return "changed " + ", ".join(sorted(d))
    if kind == "rule":
        return "policy rule: " + "; ".join(d.get("reasons") or []) + f" (priority {d.get('priority')})"
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
        return f"policy action at {metric} {d.get('moment', '')}: {d.get('does', '')} — {d.get('outcome', '')}"
    if kind == "page":
        return f"page {d.get('action', '')}" + (f": {d['reason']}" if d.get("reason") else "")
    return _relations(kind, d)


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
        return f"{n} message(s) split off into #{d['to']}" if d.get("to") else f"split from #{d.get('from')}"
    if kind == "link":
        return f"{d.get('action', 'linked')} #{d.get('ticket')}"
    if kind == "attachment":
        return "attached " + ", ".join(str(f.get("filename")) for f in d.get("files") or [])
    if kind == "escalation":
        return f"escalated to level {d.get('level')} ({d.get('role')}): {d.get('reason', '')}"
    return kind
