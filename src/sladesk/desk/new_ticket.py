"""``/desk/tickets/new/``: an agent opens a ticket for a caller (a phone call, a chat).

The organization is one the agent may see (`sladesk.accounts.access`); the requester is
that organization's contact with the given address, or a new contact created with it
(`sladesk.accounts.services.create_contact`, no portal sign-in). The ticket is opened by
`services.open_ticket` with the agent as actor (``set_by="agent"``: the policy's rules for
agent-set priorities apply) on channel ``phone`` or ``chat``; contact and ticket are
written in one transaction, so a refused ticket leaves no stray contact.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sladesk.accounts.access import visible_contacts, visible_organizations
from sladesk.accounts.models import Organization
from sladesk.accounts.services import create_contact
from sladesk.core.policies import available_policies
from sladesk.tickets import services
from sladesk.tickets.models import Channel
from sladesk.tickets.services import ServiceError
from sladesk.web.access import agent_required

__all__ = ["NewTicketForm", "new_ticket"]


class NewTicketForm(forms.Form):
    """Who called, about what, how urgent."""

    organization = forms.ModelChoiceField(queryset=Organization.objects.none())
    email = forms.EmailField(
        label="Caller's address", help_text="an existing contact, or a new one is created"
    )
    name = forms.CharField(required=False, max_length=200, label="Caller's name (new contacts)")
    subject = forms.CharField(max_length=300, strip=True)
    description = forms.CharField(widget=forms.Textarea, strip=True)
    priority = forms.CharField(
        max_length=40, required=False, strip=True, help_text="blank: the policy's default"
    )
    channel = forms.ChoiceField(
        choices=((Channel.PHONE, "Phone"), (Channel.CHAT, "Chat")), initial=Channel.PHONE
    )


@agent_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    """GET: the form; POST: open the ticket and land on it."""
    form = NewTicketForm(request.POST or None)
    form.fields["organization"].queryset = visible_organizations(request.user).order_by("name")  # type: ignore[attr-defined]
    if request.method == "POST" and form.is_valid():
        ticket = _open(request, form)
        if ticket is not None:
            messages.success(
                request,
                f"Ticket #{ticket.pk} opened for {ticket.requester.email} ({ticket.priority}).",
            )
            return redirect("desk:ticket", ticket_id=ticket.pk)
    priorities = sorted({p.key for f in available_policies().values() for p in f.policy.priorities})
    known = visible_contacts(request.user).order_by("email").values_list("email", flat=True)[:500]
    return render(
        request, "desk/new_ticket.html", {"form": form, "priorities": priorities, "known": known}
    )


def _open(request: HttpRequest, form: NewTicketForm) -> Any:
    data = form.cleaned_data
    org = data["organization"]
    try:
        with transaction.atomic():
            contact = (
                visible_contacts(request.user)
                .filter(organization=org, email__iexact=data["email"])
                .first()
            )
            if contact is None:
                contact = create_contact(org, data["email"], name=data["name"])
            return services.open_ticket(
                organization=org,
                requester=contact,
                subject=data["subject"],
                description=data["description"],
                priority=data["priority"] or None,
                channel=data["channel"],
                actor=request.user,
                set_by="agent",
            )
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    except (ServiceError, ValueError) as exc:
        form.add_error("priority" if "priority" in str(exc) else None, str(exc))
    return None
