"""Macros in the desk: ``/desk/macros/`` (list, add, delete) and, on a ticket, a preview of
what a macro will do followed by one click to apply it (`sladesk.macros.services`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sladesk.accounts.access import checked_id
from sladesk.accounts.roles import Role, role_of
from sladesk.macros import services as macros
from sladesk.macros.models import Macro
from sladesk.macros.render import PLACEHOLDERS, unknown_placeholders
from sladesk.tickets.models import Status
from sladesk.tickets.services import ServiceError
from sladesk.web.access import agent_required

from .views import visible_ticket

__all__ = ["apply_macro", "delete_macro", "macro_list", "preview_macro"]


class MacroForm(forms.ModelForm):
    """A macro; ``shared`` is offered to admins only."""

    shared = forms.BooleanField(required=False, label="Shared with every agent (admins)")
    status = forms.ChoiceField(choices=(("", "—"), *Status.choices), required=False)

    class Meta:
        model = Macro
        fields = [
            "name",
            "body",
            "tags",
            "team",
            "assignee",
            "assign_to_me",
            "priority",
            "priority_reason",
            "status",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(agent_profile__isnull=False)  # type: ignore[attr-defined]

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if unknown := unknown_placeholders(body):
            known = ", ".join("{{ %s }}" % k for k in PLACEHOLDERS)  # noqa: UP031 - braces are the point
            raise forms.ValidationError(f"unknown placeholder {', '.join(unknown)}; known: {known}")
        return body

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("priority") and not (data.get("priority_reason") or "").strip():
            self.add_error(
                "priority_reason", "A priority change needs a reason (the customer is told)."
            )
        if not any(
            data.get(f)
            for f in ("body", "tags", "team", "assignee", "assign_to_me", "priority", "status")
        ):
            raise forms.ValidationError("A macro needs a reply text or at least one change.")
        return data


def _macro(request: HttpRequest, macro_id: Any) -> Macro:
    found = macros.usable_macros(request.user).filter(pk=checked_id(macro_id)).first()
    if found is None:
        raise Http404("no such macro")
    return found


@agent_required
def macro_list(request: HttpRequest) -> HttpResponse:
    """GET: the shared and own macros; POST: add one (personal, or shared by an admin)."""
    form = MacroForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        macro = form.save(commit=False)
        if form.cleaned_data["shared"] and role_of(request.user) != Role.ADMIN:
            form.add_error("shared", "Only admins add shared macros.")
        else:
            macro.owner = None if form.cleaned_data["shared"] else request.user
            macro.save()
            messages.success(
                request, f"Macro “{macro.name}” saved ({'shared' if macro.shared else 'personal'})."
            )
            return redirect("desk:macros")
    rows = [
        (m, macros.may_manage(request.user, m))
        for m in macros.usable_macros(request.user).select_related("owner")
    ]
    return render(
        request,
        "desk/macros.html",
        {
            "form": form,
            "rows": rows,
            "placeholders": list(PLACEHOLDERS),
            "is_admin": role_of(request.user) == Role.ADMIN,
            "statuses": Status.choices,
            "teams": form.fields["team"].queryset,
            "agents": form.fields["assignee"].queryset,
        },
    )


@require_POST
@agent_required
def delete_macro(request: HttpRequest, macro_id: int) -> HttpResponse:
    macro = _macro(request, macro_id)
    if not macros.may_manage(request.user, macro):
        messages.error(request, "Only admins delete shared macros.")
    else:
        macro.delete()
        messages.success(request, f"Macro “{macro.name}” deleted.")
    return redirect("desk:macros")


@agent_required
def preview_macro(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """What the chosen macro (``?macro=``) will do to this ticket, and the Apply button
    (an htmx fragment under the picker; the whole page without JavaScript)."""
    ticket = visible_ticket(request, ticket_id, messages=False)
    macro = _macro(request, request.GET.get("macro", ""))
    context = {"ticket": ticket, "macro": macro, "plan": macros.plan(macro, ticket, request.user)}
    template = (
        "desk/_macro_preview.html" if getattr(request, "htmx", False) else "desk/macro_preview.html"
    )
    return render(request, template, context)


@require_POST
@agent_required
def apply_macro(request: HttpRequest, ticket_id: int, macro_id: int) -> HttpResponse:
    ticket = visible_ticket(request, ticket_id, messages=False)
    macro = _macro(request, macro_id)
    try:
        done = macros.apply(macro, ticket, request.user)
    except (ServiceError, ValueError) as exc:
        messages.error(request, f"Macro “{macro.name}” not applied (nothing changed): {exc}")
    else:
        what = (["reply sent"] if done.reply else []) + done.changes
        messages.success(request, f"Macro “{macro.name}” applied: {'; '.join(what)}.")
    return redirect("desk:ticket", ticket_id=ticket.pk)
