"""Single sign-on settings from the environment (pure: read while the settings load).

`oidc_settings` maps ``SLADESK_OIDC_*`` to mozilla-django-oidc's ``OIDC_*`` settings for
`sladesk.signin.oidc.AgentOIDCBackend`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["oidc_settings"]

_ENV = {
    "OIDC_RP_CLIENT_ID": "SLADESK_OIDC_CLIENT_ID",
    "OIDC_RP_CLIENT_SECRET": "SLADESK_OIDC_CLIENT_SECRET",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "SLADESK_OIDC_AUTHORIZATION_ENDPOINT",
    "OIDC_OP_TOKEN_ENDPOINT": "SLADESK_OIDC_TOKEN_ENDPOINT",
    "OIDC_OP_USER_ENDPOINT": "SLADESK_OIDC_USERINFO_ENDPOINT",
    "OIDC_OP_JWKS_ENDPOINT": "SLADESK_OIDC_JWKS_ENDPOINT",
}


def oidc_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """Django settings for single sign-on, or ``{}`` when ``SLADESK_OIDC_CLIENT_ID`` is unset.

    Raises ``ValueError`` naming the first missing variable when SSO is half configured."""
    if not env.get("SLADESK_OIDC_CLIENT_ID"):
        return {}
    out: dict[str, Any] = {}
    for setting, variable in _ENV.items():
        if not env.get(variable):
            raise ValueError(
                f"{variable} is needed when SLADESK_OIDC_CLIENT_ID is set (docs/deployment.md)"
            )
        out[setting] = env[variable]
    out.update(
        OIDC_RP_SIGN_ALGO=env.get("SLADESK_OIDC_SIGN_ALGO", "RS256"),
        OIDC_RP_SCOPES="openid email profile",
        OIDC_CREATE_USER=False,
        OIDC_USE_PKCE=True,
        OIDC_TIMEOUT=10,
        # Providers whose JWKS has one key without a "kid" need 0 (the signature is still checked).
        OIDC_VERIFY_KID=env.get("SLADESK_OIDC_VERIFY_KID", "1") != "0",
        SLADESK_OIDC_ISSUER=env.get("SLADESK_OIDC_ISSUER", ""),
        SLADESK_OIDC_PROVIDER_NAME=env.get("SLADESK_OIDC_PROVIDER_NAME", "single sign-on"),
    )
    return out
