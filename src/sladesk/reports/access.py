"""Which organizations' figures a user may read in the reports.

Agents read the organizations of their scope (`sladesk.accounts.access.scope_of`; none
set: all), admins all. A scope limited to teams cannot be honoured by figures kept per
organization without leaking other teams' counts, so such an agent is refused the
reports (``PermissionDenied``, a 403) rather than shown too much. Contacts read only their own
organization's statement (`statement_scope`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from sladesk.accounts.access import scope_of, visible_organizations
from sladesk.accounts.roles import Role, role_of

__all__ = ["report_scope", "statement_scope"]


def report_scope(user: Any) -> set[int] | None:
    """Organization ids ``user`` may report on; None = all. Raises ``PermissionDenied`` (403) for
    anyone but agents and admins, and for an agent whose scope names teams."""
    scope = scope_of(user)
    if not scope.is_staff:
        raise PermissionDenied("only agents may read reports")
    if scope.teams is not None:
        raise PermissionDenied(
            "reports are kept per organization; a team-scoped agent cannot read them"
        )
    return None if scope.organizations is None else set(scope.organizations)


def statement_scope(user: Any) -> set[int]:
    """The organization ids whose statements ``user`` may read (contacts: their own;
    agents: their scope's)."""
    role = role_of(user)
    if role in (Role.ADMIN, Role.AGENT):
        return set(visible_organizations(user).values_list("pk", flat=True))
    contact = getattr(user, "contact", None) if role == Role.CONTACT else None
    return {contact.organization_id} if contact is not None else set()
