"""Who may call what, from the roles in `sladesk.accounts.roles` (admin, agent, contact).

Visibility of *rows* (a contact sees only its organization's tickets and contacts, a scoped
agent only its scope's) is not decided here but by the access modules
(`sladesk.tickets.access`, `sladesk.accounts.access`), so a row outside answers 404,
never 403. These classes decide whether a *kind* of request is allowed.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from sladesk.accounts.roles import Role, role_of

__all__ = ["IsAdmin", "IsAgent", "IsDeskUser", "ReadAgentWriteAdmin", "ReadDeskUserWriteAdmin"]


class IsDeskUser(BasePermission):
    """Any user with a role: admin, agent or contact (a login without a role sees nothing)."""

    message = "this login is neither an agent nor a customer contact"

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) is not None


class IsAgent(BasePermission):
    """Agents and admins (staff)."""

    message = "only agents may do this"

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) in (Role.ADMIN, Role.AGENT)


class IsAdmin(BasePermission):
    """Admins (superusers) only."""

    message = "only admins may do this"

    def has_permission(self, request: Any, view: Any) -> bool:
        return role_of(request.user) == Role.ADMIN


class ReadDeskUserWriteAdmin(BasePermission):
    """Reads for every role (rows filtered by the queryset), writes for admins."""

    message = "only admins may change this"

    def has_permission(self, request: Any, view: Any) -> bool:
        role = role_of(request.user)
        if request.method in SAFE_METHODS:
            return role is not None
        return role == Role.ADMIN


class ReadAgentWriteAdmin(BasePermission):
    """Reads for agents and admins, writes for admins (contacts: 403)."""

    message = "only agents may read this and only admins may change it"

    def has_permission(self, request: Any, view: Any) -> bool:
        role = role_of(request.user)
        if request.method in SAFE_METHODS:
            return role in (Role.ADMIN, Role.AGENT)
        return role == Role.ADMIN
