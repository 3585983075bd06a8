"""The agent ticket page's writes: each view parses one form, checks access and calls one
ticket service, then redirects back to the ticket (plain POST/redirect/GET; works
without JavaScript). A `ServiceError` (e.g. an invalid transition) becomes a message.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from sladesk.intake import senders
from sladesk.notify import pages
from sladesk.notify.models import Page, PageState
from sladesk.tickets import access, services
from sladesk.tickets.models import Ticket
from sladesk.tickets.services import ServiceError
from sladesk.web.access import agent_required

from . import presence
from .forms import (
    AssignForm,
    FieldsForm,
    LinkForm,
    MergeForm,
    MessageForm,
    PriorityForm,
    SplitForm,
    StatusForm,
)
from .views import visible_ticket

__all__ = [
    "acknowledge_page",
    "assign",
    "assign_me",
    "fields",
    "heartbeat",
    "link",
    "merge",
    "message",
    "priority",
    "split",
    "status",
    "ticket_write",
    "unlink",
]


def ticket_write(
    handler: Callable[[HttpRequest, Ticket], str | tuple[str, int]],
) -> Callable[..., HttpResponse]:
    """POST only, agents only, visible ticket only; run ``handler``, flash, redirect back
    (to ``next`` when it is a desk path, e.g. the inbox; else to the ticket, or to the
    ticket whose number the handler returns with its message)."""

    @wraps(handler)
    @require_POST
    @agent_required
    def view(request: HttpRequest, ticket_id: int) -> HttpResponse:
        ticket = visible_ticket(request, ticket_id, messages=False)
        goto = ticket.pk
        try:
            done = handler(request, ticket)
        except (ServiceError, ValueError) as exc:
            messages.error(request, str(exc))
        else:
            if isinstance(done, tuple):
                done, goto = done
            level = messages.SUCCESS if not done.startswith("!") else messages.ERROR
            messages.add_message(request, level, done.lstrip("!"))
        back = request.POST.get("next", "")
        if back.startswith("/desk/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None):
            return redirect(back)
        return redirect("desk:ticket", ticket_id=goto)

    return view


def _errors(form: Any) -> str:
    return "!" + "; ".join(
        f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v) for k, v in form.errors.items()
    )


@ticket_write
def message(request: HttpRequest, ticket: Ticket) -> str:
    """A note, a public reply, or a public reply and a status change in one submit
    (``then=pending|solved``): both in one transaction, so a status the life cycle refuses
    (e.g. a closed ticket) sends no reply either."""
    form = MessageForm(request.POST, request.FILES)
    if not form.is_valid():
        return _errors(form)
    body, files = form.cleaned_data["body"], form.cleaned_data["files"]
    if form.cleaned_data["kind"] == "note":
        services.add_note(ticket, author=request.user, body=body, attachments=files)
        return "Internal note added."
    then = form.cleaned_data["then"]
    with transaction.atomic():
        services.reply(ticket, author=request.user, body=body, attachments=files)
        if then:
            services.change_status(ticket, status=then, actor=request.user)
    return f"Reply sent; status: {then}." if then else "Reply sent."


@ticket_write
def assign_me(request: HttpRequest, ticket: Ticket) -> str:
    """One click: the signed-in agent takes the ticket (`services.assign`)."""
    if getattr(request.user, "agent_profile", None) is None:
        return "!Only agents can be assigned tickets; your account has no agent profile."
    services.assign(ticket, assignee=request.user, actor=request.user)
    return f"#{ticket.pk} is assigned to you."


def _other(request: HttpRequest, number: int) -> Ticket:
    other = access.visible_tickets(request.user).filter(pk=number).first()
    if other is None:
        raise ServiceError(f"there is no ticket #{number}")
    return other


@ticket_write
def merge(request: HttpRequest, ticket: Ticket) -> str | tuple[str, int]:
    """Merge this ticket into another (`services.merge`); lands on the target."""
    form = MergeForm(request.POST)
    if not form.is_valid():
        return _errors(form)
    data = form.cleaned_data
    target = services.merge(
        ticket,
        into=_other(request, data["into"]),
        actor=request.user,
        notify_requester=data["notify_requester"],
        note=data["note"],
    )
    told = " The requester was told." if data["notify_requester"] else ""
    return f"#{ticket.pk} merged into #{target.pk}.{told}", target.pk


@ticket_write
def split(request: HttpRequest, ticket: Ticket) -> str | tuple[str, int]:
    """Split the ticked messages off into a new ticket (`services.split`); lands on it."""
    ids = list(ticket.messages.values_list("pk", flat=True))
    form = SplitForm(request.POST, message_ids=ids)
    if not form.is_valid():
        return _errors(form)
    new = services.split(
        ticket,
        messages=form.cleaned_data["messages"],
        actor=request.user,
        subject=form.cleaned_data["subject"],
    )
    return f"Split off into #{new.pk}.", new.pk


@ticket_write
def link(request: HttpRequest, ticket: Ticket) -> str:
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _errors(form)
    other = _other(request, form.cleaned_data["other"])
    services.link(ticket, other, actor=request.user)
    return f"Linked to #{other.pk}."


@ticket_write
def unlink(request: HttpRequest, ticket: Ticket) -> str:
    form = LinkForm(request.POST)
    if not form.is_valid():
        return _errors(form)
    other = _other(request, form.cleaned_data["other"])
    if not services.unlink(ticket, other, actor=request.user):
        return f"!#{ticket.pk} and #{other.pk} were not linked."
    return f"Unlinked #{other.pk}."


@ticket_write
def confirm_sender(request: HttpRequest, ticket: Ticket) -> str:
    """The agent vouches for the ticket's unverified mail sender (`intake.senders`)."""
    done = senders.confirm_sender(ticket, request.user)
    if not done.confirmed:
        return "!No unverified mail on this ticket."
    said = [f"Sender confirmed ({len(done.confirmed)} mail)."]
    if done.priority:
        said.append(f"Priority set to {done.priority}, as the mail asked.")
    if done.page is not None:
        said.append("On-call has been paged.")
    return " ".join(said)


@ticket_write
def priority(request: HttpRequest, ticket: Ticket) -> str:
    form = PriorityForm(request.POST, policy=ticket.policy)
    if not form.is_valid():
        return _errors(form)
    data = form.cleaned_data
    services.change_priority(
        ticket, priority=data["priority"], actor=request.user, reason=data["reason"]
    )
    return f"Priority set to {data['priority']}; the customer is told why."


@ticket_write
def status(request: HttpRequest, ticket: Ticket) -> str:
    form = StatusForm(request.POST, current=ticket.status)
    if not form.is_valid():
        return _errors(form)
    data = form.cleaned_data
    services.change_status(ticket, status=data["status"], actor=request.user, reason=data["reason"])
    return f"Status: {data['status']}."


@ticket_write
def assign(request: HttpRequest, ticket: Ticket) -> str:
    form = AssignForm(request.POST)
    if not form.is_valid():
        return _errors(form)
    agent_id = form.cleaned_data.get("assignee")
    agent = get_object_or_404(User, pk=agent_id, agent_profile__isnull=False) if agent_id else None
    services.assign(ticket, team=form.cleaned_data.get("team"), assignee=agent, actor=request.user)
    return "Assignment saved."


@ticket_write
def fields(request: HttpRequest, ticket: Ticket) -> str:
    form = FieldsForm(request.POST)
    if not form.is_valid():
        return _errors(form)
    new = form.cleaned_data["custom_fields"]
    removed = {k: None for k in ticket.custom_fields if k not in new}
    services.update_fields(
        ticket, custom_fields={**removed, **new}, tags=form.cleaned_data["tags"], actor=request.user
    )
    return "Tags and fields saved."


@require_POST
@agent_required
def acknowledge_page(request: HttpRequest, ticket_id: int, page_id: int) -> HttpResponse:
    """ "I have it": acknowledge an open page of this ticket (`pages.acknowledge_page`,
    ``via="desk"``) — its repeats stop and PagerDuty gets ``acknowledge``."""
    ticket = visible_ticket(request, ticket_id, messages=False)
    page = get_object_or_404(Page, pk=page_id, ticket=ticket)
    if page.state != PageState.TRIGGERED:
        messages.info(request, f"Page #{page.pk} was already {page.state}.")
    else:
        pages.acknowledge_page(page, request.user, via="desk")
        messages.success(request, f"Page #{page.pk} acknowledged: its repeats stop.")
    return redirect("desk:ticket", ticket_id=ticket.pk)


@require_POST
@agent_required
def heartbeat(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """htmx heartbeat: note this agent's presence, answer with who else is here."""
    access.access_ticket(request.user, ticket_id)
    name = request.user.get_full_name() or request.user.get_username()
    presence.beat(ticket_id, request.user.pk, name, replying=request.POST.get("replying") == "1")
    return render(
        request, "desk/_presence.html", {"others": presence.others(ticket_id, request.user.pk)}
    )
