"""Deployment checks Django's own ``check --deploy`` cannot know about.

Django's ``security.W009`` flags short or ``django-insecure-`` keys; sladesk's development
key is long and varied, so it passed. `check_secret_keys` flags it (and a fallback equal to
it) as an error under ``--deploy``: with that key anyone can sign links (page
acknowledgements) and sessions.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

__all__ = ["check_secret_keys"]


@checks.register(checks.Tags.security, deploy=True)
def check_secret_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """``sladesk.E001``: SECRET_KEY or a fallback is the published development key."""
    keys = [("SECRET_KEY", settings.SECRET_KEY)] + [
        (f"SECRET_KEY_FALLBACKS[{n}]", key) for n, key in enumerate(settings.SECRET_KEY_FALLBACKS)
    ]
    return [
        checks.Error(
            f"{name} is sladesk's published development key: anyone can sign links and sessions.",
            hint="Set SLADESK_SECRET_KEY to a new random key (docs/deployment.md) and "
            "SLADESK_ENV=production.",
            id="sladesk.E001",
        )
        for name, key in keys
        if key == settings.SLADESK_DEV_SECRET_KEY
    ]
