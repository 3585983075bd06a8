"""The checks a macro passes before it is saved, shared by the desk's form and the API.

Each problem is keyed by the field it is about (``""``: the macro as a whole), so both
callers show every problem at once.
"""

from __future__ import annotations

from typing import Any

from sladesk.tickets.models import Status

from .render import PLACEHOLDERS, unknown_placeholders

__all__ = ["CHANGES", "macro_problems"]

#: The fields of which a macro needs at least one (a reply text or a change).
CHANGES = ("body", "tags", "team", "assignee", "assign_to_me", "priority", "status")


def macro_problems(data: dict[str, Any]) -> dict[str, str]:
    """What is wrong with a macro given as ``data`` (the model's field names; ``team`` and
    ``assignee`` objects or ids): an unknown placeholder, a priority without its reason, an
    unknown status, or nothing to do at all."""
    problems: dict[str, str] = {}
    if unknown := unknown_placeholders(data.get("body") or ""):
        known = ", ".join("{{ %s }}" % k for k in PLACEHOLDERS)  # noqa: UP031 - braces are the point
        problems["body"] = f"unknown placeholder {', '.join(unknown)}; known: {known}"
    if data.get("priority") and not (data.get("priority_reason") or "").strip():
        problems["priority_reason"] = "A priority change needs a reason (the customer is told)."
    if data.get("status") and data["status"] not in Status.values:
        problems["status"] = f"unknown status {data['status']!r}; known: {', '.join(Status.values)}"
    if not any(data.get(f) for f in CHANGES):
        problems[""] = "A macro needs a reply text or at least one change."
    return problems
