"""Who may use and manage which macros (the rule of `sladesk.accounts.access.may_manage_owned`).

* An agent (or admin) **uses** the shared macros (``owner`` None) and its own personal
  ones; another agent's personal macro does not exist for it (404).
* A personal macro is **edited and deleted** by its owner only; a shared one by admins
  only. Only admins **share** a macro (create it shared, or turn a personal one of theirs
  into a shared one); an admin who un-shares a macro becomes its owner.
* Contacts have no macros (the desk and the API refuse them by role first).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from sladesk.accounts.access import checked_id, may_manage_owned, may_share
from sladesk.accounts.roles import Role, role_of

from .models import Macro

__all__ = ["access_macro", "may_manage", "may_share", "usable_macros"]


def usable_macros(user: Any) -> QuerySet[Macro]:
    """The shared macros and ``user``'s own; none for anyone but agents and admins."""
    if role_of(user) not in (Role.ADMIN, Role.AGENT):
        return Macro.objects.none()
    return Macro.objects.filter(Q(owner__isnull=True) | Q(owner_id=user.pk))


def access_macro(user: Any, macro_id: Any) -> Macro:
    """The macro ``macro_id`` if ``user`` may use it; ``Http404`` otherwise."""
    found = usable_macros(user).filter(pk=checked_id(macro_id)).first()
    if found is None:
        raise Http404("no such macro")
    return found


def may_manage(user: Any, macro: Macro) -> bool:
    """Whether ``user`` may edit or delete ``macro`` (see the module)."""
    return may_manage_owned(user, macro.owner_id)
