"""Who may see which organizations and contacts; the scope an agent works in.

The one place these rules live (`sladesk.tickets.access` builds the ticket rules on
`scope_of`; `sladesk.intake.access` the mail rules):

* an **admin** (superuser) sees every organization and contact;
* an **agent** sees the organizations of its scope (`AgentProfile.scope_organizations`;
  empty = all) and their contacts — a team scope alone does not hide organizations;
* a **contact** sees its own organization and that organization's contacts;
* anyone else (anonymous, a login without a role) sees nothing.

Rows an agent keeps for itself or shares with every agent (macros, saved inbox views) follow
one rule, `may_manage_owned`: a **personal** row is its owner's alone (no one else sees,
edits or deletes it, admins included); a **shared** row (no owner) is used by every agent
and created, edited and deleted by admins only — it changes what the whole team sees, so
it is an admin's decision, like the policies and teams.

A row outside what a user sees does not exist for them: ``access_*`` raise ``Http404``,
never 403, so its existence does not leak. Ids beyond a 64-bit integer are 404 too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, QuerySet, Value
from django.http import Http404

from sladesk.core.converters import MAX_ID

from .models import AgentProfile, Contact, Organization
from .roles import Role, role_of

__all__ = [
    "Scope",
    "access_contact",
    "access_organization",
    "checked_id",
    "may_manage_owned",
    "may_see_organization",
    "may_share",
    "preload_scope",
    "scope_flags",
    "scope_of",
    "visible_contacts",
    "visible_organizations",
]


@dataclass(frozen=True)
class Scope:
    """The part of the desk a user may see, along two axes; ``None`` = unlimited.

    ``organizations``: ids of the organizations whose tickets, contacts and mail are
    visible; ``teams``: ids of the teams a visible ticket must be dispatched to (a ticket
    with no team is outside any team scope). ``role`` is the user's role (None: none).
    """

    role: Role | None
    organizations: frozenset[int] | None = None
    teams: frozenset[int] | None = None

    @property
    def sees_all(self) -> bool:
        """An admin, or an agent without any limit."""
        return (
            self.role in (Role.ADMIN, Role.AGENT)
            and self.organizations is None
            and self.teams is None
        )

    @property
    def is_staff(self) -> bool:
        """Admins and agents (scoped or not): the desk, internal notes, the event log."""
        return self.role in (Role.ADMIN, Role.AGENT)


_NOTHING = Scope(role=None, organizations=frozenset(), teams=None)


def scope_of(user: Any) -> Scope:
    """The user's `Scope`, read once per user object (one small query for an agent, none
    for others; then kept on the object for the rest of the request)."""
    if user is None:
        return _NOTHING
    cached = getattr(user, "_sladesk_scope", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    scope = _read_scope(user)
    user._sladesk_scope = scope
    return scope


def _read_scope(user: Any) -> Scope:
    role = role_of(user)
    if role == Role.ADMIN:
        return Scope(role)
    if role == Role.AGENT:
        orgs, teams = _scope_rows(user.agent_profile.pk)
        return Scope(role, orgs or None, teams or None)
    if role == Role.CONTACT:
        return Scope(role, frozenset({user.contact.organization_id}))
    return _NOTHING


def scope_flags(user_id: Any) -> dict[str, Exists]:
    """Annotations saying whether the agent whose user id is ``user_id`` (an ``OuterRef``)
    has an organization scope and a team scope, for a query that loads the user anyway
    (the API's token lookup); pass them to `preload_scope`."""
    through_orgs = AgentProfile.scope_organizations.through.objects
    through_teams = AgentProfile.scope_teams.through.objects
    return {
        "scope_has_organizations": Exists(through_orgs.filter(agent__user_id=user_id)),
        "scope_has_teams": Exists(through_teams.filter(agent__user_id=user_id)),
    }


def preload_scope(user: Any, *, has_organizations: bool, has_teams: bool) -> None:
    """Spare `scope_of` its query for a staff user known (`scope_flags`) to have no scope:
    the common case costs nothing; a scoped agent's ids are read when first needed."""
    role = role_of(user)
    if role in (Role.ADMIN, Role.AGENT) and not has_organizations and not has_teams:
        user._sladesk_scope = Scope(role)


def _scope_rows(profile_id: int) -> tuple[frozenset[int], frozenset[int]]:
    """The ids of an agent profile's scope organizations and scope teams, in one query."""
    orgs = AgentProfile.scope_organizations.through.objects.filter(agent_id=profile_id)
    teams = AgentProfile.scope_teams.through.objects.filter(agent_id=profile_id)
    rows = orgs.values_list(Value(0), "organization_id").union(
        teams.values_list(Value(1), "team_id"), all=True
    )
    found: tuple[set[int], set[int]] = (set(), set())
    for axis, pk in rows:
        found[axis].add(pk)
    return frozenset(found[0]), frozenset(found[1])


def checked_id(value: Any) -> int:
    """``value`` as a row id, or ``Http404`` when it cannot be one (not a whole number, < 1
    or beyond `MAX_ID`: no such row can exist, and the database must not be asked)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404("no such object") from None
    if not 1 <= number <= MAX_ID:
        raise Http404("no such object")
    return number


def visible_organizations(user: Any) -> QuerySet[Organization]:
    """The organizations ``user`` may see (see the module's rules)."""
    scope = scope_of(user)
    qs = Organization.objects.all()
    if scope.role is None:
        return qs.none()
    if scope.organizations is not None:
        return qs.filter(pk__in=scope.organizations)
    return qs


def may_see_organization(user: Any, organization_id: int) -> bool:
    """Whether ``user`` may see the organization ``organization_id`` (no query once the
    scope is known; whether the organization exists is not checked)."""
    scope = scope_of(user)
    if scope.role is None:
        return False
    return scope.organizations is None or organization_id in scope.organizations


def visible_contacts(user: Any) -> QuerySet[Contact]:
    """The contacts ``user`` may see: those of the organizations it may see."""
    scope = scope_of(user)
    qs = Contact.objects.all()
    if scope.role is None:
        return qs.none()
    if scope.organizations is not None:
        return qs.filter(organization_id__in=scope.organizations)
    return qs


def access_organization(user: Any, organization_id: Any) -> Organization:
    """The organization, when ``user`` may see it; ``Http404`` otherwise."""
    found = visible_organizations(user).filter(pk=checked_id(organization_id)).first()
    if found is None:
        raise Http404("no such organization")
    return found


def access_contact(user: Any, contact_id: Any) -> Contact:
    """The contact, when ``user`` may see it; ``Http404`` otherwise."""
    found = visible_contacts(user).filter(pk=checked_id(contact_id)).first()
    if found is None:
        raise Http404("no such contact")
    return found


def may_share(user: Any) -> bool:
    """Whether ``user`` may create, edit or delete rows shared with every agent: admins."""
    return role_of(user) == Role.ADMIN


def may_manage_owned(user: Any, owner_id: int | None) -> bool:
    """Whether ``user`` may edit or delete a row owned by ``owner_id`` (None: shared):
    a personal row its owner only, a shared row admins only (see the module)."""
    if owner_id is None:
        return may_share(user)
    return role_of(user) in (Role.ADMIN, Role.AGENT) and owner_id == user.pk
