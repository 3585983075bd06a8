"""Saved inbox views: the current view, filters and sort saved with a name, personal or
shared (admins), listed beside the built-in views with their counts.

A saved view stores only the inbox's own parameters (`KEYS`), so opening one is a plain
inbox link; its tickets are always the viewer's visible tickets (`sladesk.tickets.access`):
a shared view shows each agent its own scope.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from sladesk.accounts.access import checked_id
from sladesk.accounts.roles import Role, role_of
from sladesk.web.access import agent_required

from . import queries
from .models import SavedView

__all__ = ["KEYS", "current_query", "delete_view", "listed", "save_view"]

KEYS = ("view", "status", "priority", "organization", "plan", "tag", "channel", "q", "sort")
MAX_VIEWS = 30


def current_query(view: str, filters: dict[str, str], sort: str) -> dict[str, str]:
    """The inbox's parameters as a saved view stores them (empty ones left out)."""
    found = {"view": view, **{k: v for k, v in filters.items() if v and k in KEYS}}
    if sort != "due":
        found["sort"] = sort
    return found


def _usable(user: Any) -> Any:
    return SavedView.objects.filter(Q(owner__isnull=True) | Q(owner_id=user.pk))


def listed(user: Any, now: datetime, current: dict[str, str]) -> list[dict[str, Any]]:
    """The saved views ``user`` may use, each with its link, count and whether it is the
    one shown now."""
    views = list(_usable(user)[:MAX_VIEWS])
    counts = queries.saved_view_counts(user, [v.query for v in views], now)
    return [
        {
            "view": v,
            "count": n,
            "link": "?" + urlencode(v.query),
            "active": v.query == current,
            "mine": v.owner_id == user.pk or (v.owner_id is None and role_of(user) == Role.ADMIN),
        }
        for v, n in zip(views, counts, strict=True)
    ]


@require_POST
@agent_required
def save_view(request: HttpRequest) -> HttpResponse:
    """Save the inbox's current parameters (the posted ``query`` fields) under ``name``."""
    name = request.POST.get("name", "").strip()[:60]
    query = {k: request.POST[k][:200] for k in KEYS if request.POST.get(k)}
    back = "/desk/?" + urlencode(query)
    if not name:
        messages.error(request, "Give the view a name.")
        return redirect(back)
    shared = request.POST.get("shared") == "on"
    if shared and role_of(request.user) != Role.ADMIN:
        messages.error(request, "Only admins share views.")
        return redirect(back)
    if (
        _usable(request.user).filter(owner_id=None if shared else request.user.pk).count()
        >= MAX_VIEWS
    ):
        messages.error(request, f"At most {MAX_VIEWS} saved views; delete one first.")
        return redirect(back)
    SavedView.objects.create(name=name, owner=None if shared else request.user, query=query)
    messages.success(request, f"View “{name}” saved ({'shared' if shared else 'personal'}).")
    return redirect(back)


@require_POST
@agent_required
def delete_view(request: HttpRequest, view_id: int) -> HttpResponse:
    found = _usable(request.user).filter(pk=checked_id(view_id)).first()
    if found is None:
        raise Http404("no such view")
    if found.owner_id is None and role_of(request.user) != Role.ADMIN:
        messages.error(request, "Only admins delete shared views.")
    else:
        found.delete()
        messages.success(request, f"View “{found.name}” deleted.")
    return redirect("desk:inbox")
