"""Placeholder substitution for macro text: ``{{ name }}`` from a fixed list, nothing else.

Not Django's template engine: a macro's text is user input, and the engine would let it
reach attributes, filters and tags (template injection). Here a placeholder is looked up
in `PLACEHOLDERS` by its exact name; the values are plain text (the reply is text, escaped
where it is shown as HTML). An unknown placeholder is an error when the macro is saved
(`unknown_placeholders`) and left as written when rendered.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

__all__ = ["PLACEHOLDERS", "render", "unknown_placeholders"]

_PATTERN = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)?)\s*\}\}")


def _name(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


#: placeholder -> value from (ticket, agent)
PLACEHOLDERS: dict[str, Callable[[Any, Any], str]] = {
    "ticket.number": lambda t, a: str(t.pk),
    "ticket.subject": lambda t, a: t.subject,
    "ticket.priority": lambda t, a: t.priority,
    "ticket.status": lambda t, a: t.get_status_display(),
    "requester.name": lambda t, a: t.requester.name or t.requester.email,
    "requester.email": lambda t, a: t.requester.email,
    "organization.name": lambda t, a: t.organization.name,
    "agent.first_name": lambda t, a: (a.first_name or a.get_username()) if a is not None else "",
    "agent.name": lambda t, a: _name(a),
}


def unknown_placeholders(text: str) -> list[str]:
    """The placeholders in ``text`` that `PLACEHOLDERS` does not know (in order, once)."""
    return list(
        dict.fromkeys(m.group(1) for m in _PATTERN.finditer(text) if m.group(1) not in PLACEHOLDERS)
    )


def render(text: str, ticket: Any, agent: Any) -> str:
    """``text`` with each known placeholder replaced by its value for ``ticket``/``agent``."""

    def value(m: re.Match[str]) -> str:
        found = PLACEHOLDERS.get(m.group(1))
        return found(ticket, agent) if found is not None else m.group(0)

    return _PATTERN.sub(value, text)
