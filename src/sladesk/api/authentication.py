"""API authentication: named, hashed tokens (``Token`` or ``Bearer``) and the session.

`TokenAuthentication` reads ``Authorization: Token <key>`` or ``Authorization: Bearer
<key>`` and finds the `sladesk.signin.models.ApiToken` whose digest matches, with its user
and the rows the user's role is derived from (`sladesk.accounts.roles.role_of`: the agent
profile, the contact and its organization) joined into the one lookup: every API request
asks for the role and services read ``user.contact``; without the join each is one more
query per request. The query is compiled once per process
(`sladesk.core.compiled.CompiledQuery`). The lookup also says whether the agent has a
scope (`sladesk.accounts.access.scope_flags`), so an unscoped agent's scope costs no query.
A revoked, expired or password-changed token is 401 with the reason
(`sladesk.signin.tokens.token_in_force`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from sladesk.accounts.access import preload_scope, scope_flags
from sladesk.core.compiled import CompiledQuery
from sladesk.signin.models import ApiToken
from sladesk.signin.tokens import digest_of, token_in_force, touch

__all__ = ["AUTHENTICATION_CLASSES", "TokenAuthentication", "TokenScheme"]


def _token_query(digest: str) -> QuerySet[Any]:
    return (
        ApiToken.objects.select_related(
            "user", "user__agent_profile", "user__contact__organization"
        )
        .annotate(**scope_flags(OuterRef("user_id")))
        .filter(digest=digest)
    )


#: The token with its user and role rows, compiled once (`sladesk.core.compiled`): this
#: query runs on every API request, and building it cost more than running it.
_token_with_user = CompiledQuery(_token_query, str)

_SCHEMES = (b"token", b"bearer")


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>`` or ``Bearer <key>`` (see module)."""

    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        auth = authentication.get_authorization_header(request).split()
        if not auth or auth[0].lower() not in _SCHEMES:
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed(
                "Invalid Authorization header: expected 'Token <key>' or 'Bearer <key>'."
            )
        try:
            key = auth[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token: not ASCII.") from exc
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        found = _token_with_user(digest_of(key))
        if not found:
            raise exceptions.AuthenticationFailed("Invalid token.")
        token = found[0]
        reason = token_in_force(token)
        if reason:
            raise exceptions.AuthenticationFailed(reason)
        touch(token)
        preload_scope(
            token.user,
            has_organizations=token.scope_has_organizations,
            has_teams=token.scope_has_teams,
        )
        return (token.user, token)

    def authenticate_header(self, request: Request) -> str:
        return "Token"  # the scheme named in docs/api.md; Bearer is accepted too


class TokenScheme(OpenApiAuthenticationExtension):
    """How the schema (and Swagger UI's "Authorize") describes `TokenAuthentication`."""

    target_class = "sladesk.api.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token from `POST /api/v1/auth/token/`: "
            "`Authorization: Bearer <token>` "
            "(`Token <token>` works too).",
        }


#: What the API's views authenticate with (token for clients, session for the web UI).
AUTHENTICATION_CLASSES: list[type[authentication.BaseAuthentication]] = [
    TokenAuthentication,
    authentication.SessionAuthentication,
]
