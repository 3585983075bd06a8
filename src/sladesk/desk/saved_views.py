"""Saved inbox views: the current view, filters and sort saved with a name, personal or
shared (admins), listed beside the built-in views with their counts; edited (name, shared,
view, filters, sort) at ``/desk/views/<id>/edit/`` and deleted by whoever may manage them
(`sladesk.desk.access`).

A saved view stores only the inbox's own parameters (`KEYS`), so opening one is a plain
inbox link; its tickets are always the viewer's visible tickets (`sladesk.tickets.access`):
a shared view shows each agent its own scope.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sladesk.core.policies import available_policies
from sladesk.tickets.models import Channel, Status
from sladesk.web.access import agent_required

from . import queries
from .access import access_view, may_manage_view, may_share, usable_views
from .models import SavedView

__all__ = ["KEYS", "current_query", "delete_view", "edit_view", "listed", "save_view"]

KEYS = ("view", "status", "priority", "organization", "plan", "tag", "channel", "q", "sort")
MAX_VIEWS = 30


def current_query(view: str, filters: dict[str, str], sort: str) -> dict[str, str]:
    """The inbox's parameters as a saved view stores them (empty ones left out)."""
    found = {"view": view, **{k: v for k, v in filters.items() if v and k in KEYS}}
    if sort != "due":
        found["sort"] = sort
    return found


def listed(user: Any, now: datetime, current: dict[str, str]) -> list[dict[str, Any]]:
    """The saved views ``user`` may use, each with its link, count and whether it is the
    one shown now."""
    views = list(usable_views(user)[:MAX_VIEWS])
    counts = queries.saved_view_counts(user, [v.query for v in views], now)
    return [
        {
            "view": v,
            "count": n,
            "link": "?" + urlencode(v.query),
            "active": v.query == current,
            "mine": may_manage_view(user, v),
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
    if shared and not may_share(request.user):
        messages.error(request, "Only admins share views.")
        return redirect(back)
    if (
        usable_views(request.user).filter(owner_id=None if shared else request.user.pk).count()
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
    found = access_view(request.user, view_id)
    if not may_manage_view(request.user, found):
        messages.error(request, "Only admins delete shared views.")
    else:
        found.delete()
        messages.success(request, f"View “{found.name}” deleted.")
    return redirect("desk:inbox")


class SavedViewForm(forms.Form):
    """A saved view's name, sharing, base view, filters and sort; choices are the inbox's
    own (the organizations the editor may see), so a saved view holds only what the inbox
    understands."""

    name = forms.CharField(max_length=60)
    shared = forms.BooleanField(required=False, label="Shared with every agent (admins)")
    view = forms.ChoiceField(choices=list(queries.VIEWS.items()))
    status = forms.ChoiceField(choices=[("", "any"), *Status.choices], required=False)
    priority = forms.ChoiceField(required=False)
    organization = forms.ChoiceField(required=False)
    plan = forms.CharField(max_length=200, required=False)
    tag = forms.CharField(max_length=200, required=False)
    channel = forms.ChoiceField(choices=[("", "any"), *Channel.choices], required=False)
    q = forms.CharField(max_length=200, required=False, label="Search")
    sort = forms.ChoiceField(choices=list(queries.SORTS.items()))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keys = sorted({p.key for f in available_policies().values() for p in f.policy.priorities})
        self.fields["priority"].choices = [("", "any"), *((k, k) for k in keys)]  # type: ignore[attr-defined]
        orgs = queries.filter_choices(user)["organizations"]
        self.fields["organization"].choices = [("", "any"), *((str(o.pk), o.name) for o in orgs)]  # type: ignore[attr-defined]
        if not may_share(user):
            del self.fields["shared"]

    def query(self) -> dict[str, str]:
        """The inbox parameters the view stores (empty ones and the default sort left out)."""
        data = self.cleaned_data
        filters = {k: str(data.get(k) or "").strip() for k in KEYS if k not in ("view", "sort")}
        return current_query(data["view"], filters, data["sort"])


@agent_required
def edit_view(request: HttpRequest, view_id: int) -> HttpResponse:
    """GET: the saved view's form; POST: save it. Only who may manage it gets the form:
    another agent who may use it (a shared view) gets 403, anyone else 404."""
    saved = access_view(request.user, view_id)
    if not may_manage_view(request.user, saved):
        raise PermissionDenied("Only admins edit shared views.")
    initial = {"name": saved.name, "shared": saved.owner_id is None, "sort": "due"}
    initial.update(saved.query)
    form = SavedViewForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved.name = form.cleaned_data["name"].strip()
        saved.query = form.query()
        if may_share(request.user):
            saved.owner = None if form.cleaned_data["shared"] else request.user
        saved.save()
        kind = "shared" if saved.owner_id is None else "personal"
        messages.success(request, f"View “{saved.name}” saved ({kind}).")
        return redirect("/desk/?" + urlencode(saved.query))
    return render(request, "desk/saved_view_edit.html", {"saved": saved, "form": form})
