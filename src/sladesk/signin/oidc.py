"""OpenID Connect single sign-on for agents (mozilla-django-oidc as the relying party).

Why mozilla-django-oidc and not django-allauth: sladesk needs one thing, "sign agents in
with the company's identity provider", and mozilla-django-oidc is exactly that (an
authentication backend plus two views, no models); allauth brings accounts, e-mail
management, sign-up and its own templates, all of which sladesk already has or must not
have (customers do not sign up).

`AgentOIDCBackend` signs in an *existing* agent or admin whose e-mail matches the
provider's ``email`` claim (refused when the provider says ``email_verified: false``);
it never creates users (agents are created by an admin, so an account at the provider
alone grants nothing) and never signs in a contact. On top of the library's checks
(signature against the provider's JWKS, nonce, PKCE) it checks the ID token's audience,
expiry and, when ``SLADESK_OIDC_ISSUER`` is set, issuer. The settings come from
``SLADESK_OIDC_*`` (`sladesk.settings.sso`; docs/deployment.md).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db.models import Q, QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

__all__ = ["AgentOIDCBackend"]


class AgentOIDCBackend(OIDCAuthenticationBackend):
    """Existing agents and admins only, matched by verified e-mail (see module)."""

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("email")) and claims.get("email_verified", True) is not False

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[Any]:
        email = str(claims.get("email") or "")
        if not email:
            return get_user_model().objects.none()
        return (
            get_user_model()
            .objects.filter(
                Q(agent_profile__isnull=False) | Q(is_superuser=True),
                email__iexact=email,
                is_active=True,
            )
            .distinct()
        )

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload: dict[str, Any] = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("ID token is for another client (aud)")
        if not isinstance(payload.get("exp"), int | float) or payload["exp"] < time.time() - 60:
            raise SuspiciousOperation("ID token has expired")
        issuer = getattr(settings, "SLADESK_OIDC_ISSUER", "")
        if issuer and payload.get("iss") != issuer:
            raise SuspiciousOperation("ID token is from another issuer (iss)")
        return payload
