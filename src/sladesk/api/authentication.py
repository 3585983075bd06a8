"""API authentication: DRF's token and session schemes, the token's user read in one query.

`TokenAuthentication` is DRF's (``Authorization: Token <key>``) except that the token's
user comes with the rows its role is derived from (`sladesk.accounts.roles.role_of`: the
agent profile, the contact and its organization), joined into the token lookup. Every API
request asks for the role at least once and services read ``user.contact``; without the
join each of those is one more query per request (a missing reverse one-to-one is not
cached by Django, so an agent's absent contact was looked up on every write).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

__all__ = ["AUTHENTICATION_CLASSES", "TokenAuthentication"]


class TokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>``; the user arrives with its role rows (see module)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        model = self.get_model()
        try:
            token = model.objects.select_related(
                "user", "user__agent_profile", "user__contact__organization"
            ).get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)


#: What the API's views authenticate with (token for clients, session for the web UI).
AUTHENTICATION_CLASSES = (TokenAuthentication, authentication.SessionAuthentication)
