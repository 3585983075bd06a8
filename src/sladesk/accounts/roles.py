"""Who a user is to the desk: admin, agent or contact.

Derived from rows, so it cannot drift: ``is_superuser`` ⇒ admin; an `AgentProfile` ⇒ agent;
a `Contact` ⇒ contact. An admin is also treated as an agent (sees everything). A user with
none of these has no role and sees nothing.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

__all__ = ["Role", "role_of"]


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"
    CONTACT = "contact"


def role_of(user: Any) -> Role | None:
    """The user's role, or None (anonymous users and users without a profile)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if user.is_superuser:
        return Role.ADMIN
    if hasattr(user, "agent_profile"):
        return Role.AGENT
    if hasattr(user, "contact"):
        return Role.CONTACT
    return None
