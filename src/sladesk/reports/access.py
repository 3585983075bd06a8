"""Which organizations' figures a user may read in the reports.

Agents and admins read every organization's (no per-agent scoping exists on this branch:
when `sladesk.accounts.access` gains organization scopes, this is the one place to apply
them). Contacts read only their own organization's statement (`statement_scope`).
"""

from __future__ import annotations

from typing import Any

from sladesk.accounts.models import Organization
from sladesk.accounts.roles import Role, contact_of, role_of

__all__ = ["report_scope", "statement_scope"]


def report_scope(user: Any) -> set[int] | None:
    """Organization ids ``user`` may report on; None = all. Raises PermissionError for
    anyone but agents and admins."""
    if role_of(user) not in (Role.ADMIN, Role.AGENT):
        raise PermissionError("only agents may read reports")
    return None


def statement_scope(user: Any) -> set[int]:
    """The organization ids whose statements ``user`` may read (contacts: their own)."""
    role = role_of(user)
    if role in (Role.ADMIN, Role.AGENT):
        return set(Organization.objects.values_list("pk", flat=True))
    contact = contact_of(user) if role == Role.CONTACT else None
    return {contact.organization_id} if contact is not None else set()
