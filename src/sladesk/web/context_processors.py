"""Template context every page needs: the viewer's role and display zone, and ``now``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from sladesk.accounts.roles import role_of
from sladesk.core import time as core_time

from .timefmt import viewer_zone

__all__ = ["viewer"]


def viewer(request: HttpRequest) -> dict[str, Any]:
    """``viewer_role`` (admin/agent/contact/None), ``viewer_zone`` (IANA), ``now`` (aware)."""
    user = getattr(request, "user", None)
    role = role_of(user)
    return {
        "viewer_role": role.value if role else None,
        "viewer_zone": viewer_zone(user) if role else "UTC",
        "now": core_time.now(),
    }
