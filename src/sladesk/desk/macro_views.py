"""Macros in the desk: ``/desk/macros/`` (list, add), ``/desk/macros/<id>/`` (edit),
``/desk/macros/<id>/delete/`` and, on a ticket, a preview of what a macro will do followed
by one click to apply it. Who may do what: `sladesk.macros.access`; writes:
`sladesk.macros.services`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sladesk.macros import services as macros
from sladesk.macros.access import access_macro, may_manage, may_share, usable_macros
from sladesk.macros.models import Macro
from sladesk.macros.render import PLACEHOLDERS
from sladesk.macros.validation import macro_problems
from sladesk.tickets.models import Status
from sladesk.tickets.services import ServiceError
from sladesk.web.access import agent_required

from .views import visible_ticket

__all__ = ["apply_macro", "delete_macro", "edit_macro", "macro_list", "preview_macro"]


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

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field, problem in macro_problems(data).items():
            self.add_error(field or None, problem)
        return data


def _macro(request: HttpRequest, macro_id: Any) -> Macro:
    return access_macro(request.user, macro_id)


def _write(request: HttpRequest, form: MacroForm) -> Macro | None:
    """Save the valid ``form`` through the service; a refusal becomes a form error."""
    try:
        return macros.save(
            form.save(commit=False), by=request.user, shared=form.cleaned_data["shared"]
        )
    except macros.MacroRefused as exc:
        form.add_error("shared" if "share" in str(exc) else None, str(exc))
        return None


def _form_context(request: HttpRequest, form: MacroForm) -> dict[str, Any]:
    return {
        "form": form,
        "placeholders": list(PLACEHOLDERS),
        "is_admin": may_share(request.user),
        "statuses": Status.choices,
        "teams": form.fields["team"].queryset,  # type: ignore[attr-defined]
        "agents": form.fields["assignee"].queryset,  # type: ignore[attr-defined]
    }


@agent_required
def macro_list(request: HttpRequest) -> HttpResponse:
    """GET: the shared and own macros; POST: add one (personal, or shared by an admin)."""
    form = MacroForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        macro = _write(request, form)
        if macro is not None:
            messages.success(
                request, f"Macro “{macro.name}” saved ({'shared' if macro.shared else 'personal'})."
            )
            return redirect("desk:macros")
    rows = [
        (m, may_manage(request.user, m))
        for m in usable_macros(request.user).select_related("owner", "team", "assignee")
    ]
    return render(request, "desk/macros.html", {"rows": rows, **_form_context(request, form)})


@agent_required
def edit_macro(request: HttpRequest, macro_id: int) -> HttpResponse:
    """GET: the macro's form; POST: save it. Only who may manage it (`may_manage`) gets
    the form: anyone else who may use it gets 403, anyone else 404."""
    macro = _macro(request, macro_id)
    if not may_manage(request.user, macro):
        raise PermissionDenied(
            "Only admins edit shared macros." if macro.shared else "Not your macro."
        )
    form = MacroForm(request.POST or None, instance=macro, initial={"shared": macro.shared})
    if request.method == "POST" and form.is_valid():
        saved = _write(request, form)
        if saved is not None:
            kind = "shared" if saved.shared else "personal"
            messages.success(request, f"Macro “{saved.name}” saved ({kind}).")
            return redirect("desk:macros")
    return render(request, "desk/macro_edit.html", {"macro": macro, **_form_context(request, form)})


@require_POST
@agent_required
def delete_macro(request: HttpRequest, macro_id: int) -> HttpResponse:
    macro = _macro(request, macro_id)
    try:
        macros.delete(macro, by=request.user)
    except macros.MacroRefused as exc:
        messages.error(request, str(exc))
    else:
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
