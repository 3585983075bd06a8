"""The customer portal: a contact's organization's tickets, a new ticket, reply, escalate.

Plain forms and redirects (no JavaScript needed). Access: contacts only
(`contact_required`); a ticket of another organization is 404 (`selectors.get_ticket`, i.e.
`sladesk.tickets.access.access_ticket`).
Times are shown in the contact's zone (else the organization's). Each POST view parses a
form and calls one ticket service.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from sladesk.accounts.services import set_email_updates
from sladesk.core import time as core_time
from sladesk.core.policies import get_policy
from sladesk.satisfaction.models import SatisfactionRating
from sladesk.tickets import access, history, selectors, services
from sladesk.tickets.limits import creation_refusal
from sladesk.tickets.models import Channel, Status, Ticket
from sladesk.tickets.services import ServiceError
from sladesk.web.access import contact_required
from sladesk.web.clocks import customer_clocks, urgent_badge, urgent_clocks

from .forms import EscalateForm, NewTicketForm, ReplyForm

__all__ = ["escalate", "new_ticket", "reply", "ticket_detail", "tickets"]

PAGE_SIZE = 100


def _ticket(request: HttpRequest, ticket_id: int, *, messages: bool = True) -> Ticket:
    """The contact's organization's ticket; 404 for any other."""
    return selectors.get_ticket(request.user, ticket_id, messages=messages)


@contact_required
def tickets(request: HttpRequest) -> HttpResponse:
    """The organization's tickets, newest first, with each one's most urgent clock."""
    now = core_time.now()
    tickets = (
        access.visible_tickets(request.user)
        .only("subject", "priority", "status", "created_at")  # what the list shows
        .prefetch_related(urgent_clocks())[:PAGE_SIZE]
    )
    hidden = get_policy(request.user.contact.organization.policy_name).policy.internal_clocks
    rows = [(t, urgent_badge(t, now, hidden)) for t in tickets]
    contact = request.user.contact
    context = {"rows": rows, "organization": contact.organization, "contact": contact}
    return render(request, "portal/tickets.html", context)


@contact_required
@require_POST
def preferences(request: HttpRequest) -> HttpResponse:
    """Turn the contact's ``email_updates`` on or off (the checkbox's presence)."""
    wanted = request.POST.get("email_updates") == "on"
    set_email_updates(request.user.contact, wanted)
    messages.success(
        request,
        "We will mail you replies and notices."
        if wanted
        else "We will not mail you replies "
        "on tickets opened here (notices your contract requires still come).",
    )
    return redirect("portal:tickets")


def _new_form(request: HttpRequest, data: Any = None, files: Any = None) -> NewTicketForm:
    org = request.user.contact.organization
    policy = get_policy(org.policy_name).policy
    return NewTicketForm(
        data, files, policy=policy, plan=org.plan or None, region=org.region or None
    )


@contact_required
def new_ticket(request: HttpRequest) -> HttpResponse:
    """GET: the form shaped by the organization's policy; POST: `services.open_ticket`."""
    if request.method != "POST":
        return render(request, "portal/new.html", {"form": _new_form(request)})
    form = _new_form(request, request.POST, request.FILES)
    contact = request.user.contact
    refused = creation_refusal(contact)
    if refused is not None:  # sladesk.tickets.limits: what was typed stays in the form
        form.is_valid()
        form.add_error(None, refused.message)
        response = render(request, "portal/new.html", {"form": form}, status=429)
        response["Retry-After"] = str(refused.retry_after)
        return response
    if not form.is_valid():
        return render(request, "portal/new.html", {"form": form}, status=400)
    try:
        ticket = services.open_ticket(
            organization=contact.organization,
            requester=contact,
            subject=form.cleaned_data["subject"],
            description=form.cleaned_data["description"],
            priority=form.cleaned_data.get("priority") or None,
            custom_fields=form.custom_values(),
            channel=Channel.WEB,
            actor=request.user,
            attachments=form.cleaned_data["files"],
        )
    except ServiceError as exc:
        form.add_error("files", str(exc))
        return render(request, "portal/new.html", {"form": form}, status=400)
    messages.success(request, f"Ticket #{ticket.pk} submitted.")
    ruled = [n for n in history.priority_history(ticket) if n.by_rule]
    if ruled:
        note = ruled[-1]
        messages.warning(
            request, f"Your ticket was opened as {note.new}, not {note.old}: {note.reason}"
        )
    return redirect("portal:ticket", ticket_id=ticket.pk)


@contact_required
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Public conversation, clocks in the contact's zone, reply and escalate forms."""
    ticket = _ticket(request, ticket_id)
    now = core_time.now()
    policy = ticket.policy
    clocks = customer_clocks(selectors.clock_statuses(ticket, now), now)
    level = services.escalation_level(ticket)
    context = {
        "ticket": ticket,
        "merged_into": services.merge_target(ticket) if ticket.status == Status.CLOSED else None,
        "messages_list": list(ticket.messages.all()),
        "clocks": clocks,
        "priority_notes": history.priority_history(ticket),
        "reply_form": ReplyForm(),
        "escalate_form": EscalateForm(),
        "ladder": policy.escalation,
        "escalation_level": level,
        "next_level": policy.escalation[level] if level < len(policy.escalation) else None,
        "contract_notes": policy.contract.notes if policy.contract else [],
        "survey": SatisfactionRating.objects.filter(ticket=ticket).first(),
        "may_rate": ticket.status in (Status.SOLVED, Status.CLOSED)
        and ticket.requester_id == getattr(request.user.contact, "pk", None),
    }
    return render(request, "portal/ticket.html", context)


@require_POST
@contact_required
def reply(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """A public reply from the customer (`services.reply`), with attachments."""
    ticket = _ticket(request, ticket_id, messages=False)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Write a message before sending.")
        return redirect("portal:ticket", ticket_id=ticket.pk)
    try:
        message = services.reply(
            ticket,
            author=request.user,
            body=form.cleaned_data["body"],
            attachments=form.cleaned_data["files"],
        )
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("portal:ticket", ticket_id=ticket.pk)
    if services.opened_follow_up(message):
        messages.success(
            request, f"This ticket was closed; your message opened follow-up #{message.ticket_id}."
        )
        return redirect("portal:ticket", ticket_id=message.ticket_id)
    if message.ticket_id != ticket.pk:
        messages.success(
            request, f"This ticket was merged; your reply was added to #{message.ticket_id}."
        )
        return redirect("portal:ticket", ticket_id=message.ticket_id)
    messages.success(request, "Reply sent.")
    return redirect("portal:ticket", ticket_id=ticket.pk)


@require_POST
@contact_required
def escalate(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """One step up the policy's escalation ladder, with the customer's reason
    (`services.escalate`)."""
    ticket = _ticket(request, ticket_id, messages=False)
    form = EscalateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Tell us why you escalate.")
        return redirect("portal:ticket", ticket_id=ticket.pk)
    try:
        ticket = services.escalate(ticket, actor=request.user, reason=form.cleaned_data["reason"])
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("portal:ticket", ticket_id=ticket.pk)
    messages.success(request, f"Escalated to the {ticket.escalation_role}.")
    return redirect("portal:ticket", ticket_id=ticket.pk)
