"""API authentication: DRF's token and session schemes, the token's user read in one query.

`TokenAuthentication` is DRF's (``Authorization: Token <key>``) except that the token's
user comes with the rows its role is derived from (`sladesk.accounts.roles.role_of`: the
agent profile, the contact and its organization), joined into the token lookup, and
whether the agent has a scope (`sladesk.accounts.access.scope_flags`: an unscoped agent's
scope then costs no query). Every API
request asks for the role at least once and services read ``user.contact``; without the
join each of those is one more query per request (a missing reverse one-to-one is not
cached by Django, so an agent's absent contact was looked up on every write). The query
is compiled once per process (`sladesk.core.compiled.CompiledQuery`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from sladesk.accounts.access import preload_scope, scope_flags
from sladesk.core.compiled import CompiledQuery

__all__ = ["AUTHENTICATION_CLASSES", "TokenAuthentication"]


def _token_query(key: str) -> QuerySet[Any]:
    from rest_framework.authtoken.models import Token  # a model: not before apps are ready

    return (
        Token.objects.select_related("user", "user__agent_profile", "user__contact__organization")
        .annotate(**scope_flags(OuterRef("user_id")))
        .filter(key=key)
    )


#: The token with its user and role rows, compiled once (`sladesk.core.compiled`): this
#: query runs on every API request, and building it cost more than running it.
_token_with_user = CompiledQuery(_token_query, str)


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``; the user arrives with its role rows (see module)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        found = _token_with_user(key)
        if not found:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = found[0]
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        preload_scope(
            token.user, has_organizations=token.scope_has_organizations, has_teams=token.scope_has_teams
        )
        return (token.user, token)


#: What the API's views authenticate with (token for clients, session for the web UI).
AUTHENTICATION_CLASSES = (TokenAuthentication, authentication.SessionAuthentication)
