"""Who may use and manage which saved inbox views (the rule of
`sladesk.accounts.access.may_manage_owned`, the same as for macros).

* An agent (or admin) **uses** the shared views (``owner`` None) and its own personal ones;
  another agent's personal view does not exist for it (404).
* A personal view is **edited and deleted** by its owner only; a shared one by admins
  only. Only admins **share** a view; an admin who un-shares a view becomes its owner.
* Whatever the view, its tickets are always the viewer's visible tickets
  (`sladesk.tickets.access`): a shared view shows each agent its own scope.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from sladesk.accounts.access import checked_id, may_manage_owned, may_share
from sladesk.accounts.roles import Role, role_of

from .models import SavedView

__all__ = ["access_view", "may_manage_view", "may_share", "usable_views"]


def usable_views(user: Any) -> QuerySet[SavedView]:
    """The shared views and ``user``'s own; none for anyone but agents and admins."""
    if role_of(user) not in (Role.ADMIN, Role.AGENT):
        return SavedView.objects.none()
    return SavedView.objects.filter(Q(owner__isnull=True) | Q(owner_id=user.pk))


def access_view(user: Any, view_id: Any) -> SavedView:
    """The saved view ``view_id`` if ``user`` may use it; ``Http404`` otherwise."""
    found = usable_views(user).filter(pk=checked_id(view_id)).first()
    if found is None:
        raise Http404("no such view")
    return found


def may_manage_view(user: Any, view: SavedView) -> bool:
    """Whether ``user`` may edit or delete ``view`` (see the module)."""
    return may_manage_owned(user, view.owner_id)
