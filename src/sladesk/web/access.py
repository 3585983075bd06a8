"""Who may open which pages: agents (and admins) the desk, contacts the portal.

Anonymous visitors are sent to the sign-in page with ``?next=``; a signed-in user of the
wrong role gets 403 (the page exists, it is not theirs). These decorators decide only the
role; which rows a user sees (another organization's, outside an agent's scope: 404, so
their existence never leaks) is `sladesk.tickets.access`, `sladesk.accounts.access` and
`sladesk.intake.access`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from sladesk.accounts.roles import Role, role_of

__all__ = ["admin_required", "agent_or_404", "agent_required", "contact_required"]

View = Callable[..., HttpResponse]


def _require(*roles: Role, hide: bool = False) -> Callable[[View], View]:
    """Sign-in for anonymous visitors; other roles get 403, or 404 with ``hide`` (pages
    whose very existence is not for them, e.g. the raw mail behind a message)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if role_of(request.user) not in roles:
                if hide:
                    raise Http404("no such page")
                raise PermissionDenied("this part of sladesk is not for your account")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


#: Agents and admins (the desk).
agent_required = _require(Role.AGENT, Role.ADMIN)
#: Agents and admins; anyone else signed in gets 404 (raw mail, quarantine).
agent_or_404 = _require(Role.AGENT, Role.ADMIN, hide=True)
#: Admins only (the desk's settings pages).
admin_required = _require(Role.ADMIN)
#: Contacts with a login (the portal).
contact_required = _require(Role.CONTACT)
