"""``/desk/contacts/``: find a customer's contact, and add one in one form (with a sign-in
invitation when the person should use the portal). Agents and admins."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sladesk.accounts.access import visible_contacts, visible_organizations
from sladesk.accounts.models import Organization
from sladesk.accounts.services import create_contact
from sladesk.web.access import agent_required
from sladesk.web.invitations import send_invitation

__all__ = ["contacts"]

PAGE_SIZE = 50


class ContactForm(forms.Form):
    """The organization is one the agent may see (set per request: its scope)."""

    organization = forms.ModelChoiceField(queryset=Organization.objects.none())
    email = forms.EmailField()
    name = forms.CharField(required=False, max_length=200)
    timezone = forms.CharField(
        required=False, max_length=64, help_text="IANA zone; blank: the organization's"
    )
    invite = forms.BooleanField(
        required=False, initial=True, label="Invite to the portal (mail a sign-in link)"
    )


@agent_required
def contacts(request: HttpRequest) -> HttpResponse:
    """GET: contacts matching ``?q=`` (address, name or organization, any case); POST: add one."""
    form = ContactForm(request.POST or None)
    form.fields["organization"].queryset = visible_organizations(request.user).order_by("name")  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            contact = create_contact(
                data["organization"],
                data["email"],
                name=data["name"],
                timezone=data["timezone"],
                login=data["invite"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if contact.user is not None:
                send_invitation(request, contact.user, organization_name=contact.organization.name)
                messages.success(
                    request, f"{contact.email} added; a sign-in invitation was mailed."
                )
            else:
                messages.success(request, f"{contact.email} added (no portal sign-in).")
            return redirect(f"{request.path}?q={contact.email}")
    q = request.GET.get("q", "").strip()[:200]
    rows = (
        visible_contacts(request.user)
        .select_related("organization")
        .order_by("organization__name", "email")
    )
    if q:
        rows = rows.filter(
            Q(email__icontains=q) | Q(name__icontains=q) | Q(organization__name__icontains=q)
        )
    context = {"rows": rows[:PAGE_SIZE], "q": q, "form": form, "nav": "contacts"}
    return render(request, "desk/contacts.html", context)
