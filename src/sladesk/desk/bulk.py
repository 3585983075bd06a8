"""Bulk actions on the inbox's ticked rows: one POST, one action, each ticket through its
own service call (its own transaction), one result line per ticket.

Actions: ``assign`` (team and/or agent), ``status``, ``priority`` (reason required, told to
the customer as on the ticket page), ``tags`` (added, kept ones stay) and ``merge`` (every
ticked ticket into one: the number given, else the oldest ticked). A ticket the agent may
not see (`sladesk.tickets.access`) is reported "not found", exactly like one that does not
exist; a refusal of a service (an illegal transition, a merge across organizations, a
priority the ticket's policy lacks) is named on that ticket's line and leaves the others
done.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from sladesk.accounts.models import Team
from sladesk.tickets import access, services
from sladesk.tickets.models import Status, Ticket
from sladesk.tickets.services import ServiceError
from sladesk.web.access import agent_required

__all__ = ["MAX_TICKETS", "BulkForm", "bulk"]

MAX_TICKETS = 100  # one inbox page is 50

ACTIONS = (
    ("assign", "Assign"),
    ("status", "Set status"),
    ("priority", "Set priority"),
    ("tags", "Add tags"),
    ("merge", "Merge into one"),
)


class BulkForm(forms.Form):
    """The ticked tickets and one action with its fields."""

    tickets = forms.TypedMultipleChoiceField(
        coerce=int, error_messages={"required": "Tick at least one ticket."}
    )
    action = forms.ChoiceField(choices=ACTIONS)
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    assignee = forms.ModelChoiceField(
        queryset=User.objects.filter(agent_profile__isnull=False), required=False
    )
    status = forms.ChoiceField(choices=(("", "—"), *Status.choices), required=False)
    priority = forms.CharField(max_length=40, required=False, strip=True)
    reason = forms.CharField(max_length=500, required=False, strip=True)
    tags = forms.CharField(max_length=500, required=False)
    into = forms.IntegerField(required=False, min_value=1, label="Merge into #")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        picked = self.data.getlist("tickets") if hasattr(self.data, "getlist") else []
        self.fields["tickets"].choices = [
            (p, p) for p in picked if str(p).isdigit() and len(str(p)) <= 18
        ]

    def clean_tickets(self) -> list[int]:
        ids = list(dict.fromkeys(self.cleaned_data["tickets"]))
        if len(ids) > MAX_TICKETS:
            raise forms.ValidationError(f"at most {MAX_TICKETS} tickets at once, not {len(ids)}")
        return ids

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        needs = {
            "assign": (
                not data.get("team") and not data.get("assignee"),
                "Choose a team or an agent.",
            ),
            "status": (not data.get("status"), "Choose a status."),
            "priority": (
                not data.get("priority") or not data.get("reason"),
                "A priority change needs the priority and a reason (the customer is told).",
            ),
            "tags": (not data.get("tags"), "Write the tags to add."),
            "merge": (
                len(data.get("tickets") or []) + (1 if data.get("into") else 0) < 2,
                "Merging needs two tickets at least.",
            ),
        }
        missing, text = needs.get(action or "", (False, ""))
        if missing:
            raise forms.ValidationError(text)
        return data


Step = Callable[[Ticket], str]


def _steps(
    request: HttpRequest, data: dict[str, Any], tickets: dict[int, Ticket]
) -> tuple[Step, Ticket | None]:
    """The per-ticket call of the action (and, for a merge, the target)."""
    user, action = request.user, data["action"]
    if action == "assign":
        return lambda t: _done(
            services.assign(t, team=data["team"], assignee=data["assignee"], actor=user), "assigned"
        ), None
    if action == "status":
        return lambda t: _done(
            services.change_status(t, status=data["status"], actor=user, reason=data["reason"]),
            f"status {data['status']}",
        ), None
    if action == "priority":
        return lambda t: _done(
            services.change_priority(
                t, priority=data["priority"], actor=user, reason=data["reason"]
            ),
            f"priority {data['priority']}",
        ), None
    if action == "tags":

        def tag(t: Ticket) -> str:
            added = services.add_tags(t, tags=data["tags"], actor=user)
            return f"tags added: {', '.join(added)}" if added else "had those tags already"

        return tag, None
    number = data.get("into") or min(tickets)
    target = tickets.get(number) or access.visible_tickets(user).filter(pk=number).first()
    if target is None:
        raise ServiceError(f"there is no ticket #{number}")

    def merge(t: Ticket) -> str:
        if t.pk == target.pk:
            return "kept: the others are merged into it"
        services.merge(t, into=target, actor=user, note=data["reason"])
        return f"merged into #{target.pk}"

    return merge, target


def _done(_: object, text: str) -> str:
    return text


@require_POST
@agent_required
def bulk(request: HttpRequest) -> HttpResponse:
    """Run one action on each ticked ticket; the result message names each ticket."""
    back = request.POST.get("next", "")
    if not (
        back.startswith("/desk/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None)
    ):
        back = "/desk/"
    form = BulkForm(request.POST)
    if not form.is_valid():
        problems = "; ".join(" ".join(v) for v in form.errors.values())
        messages.error(request, f"Nothing done: {problems}")
        return redirect(back)
    data = form.cleaned_data
    ids: list[int] = data["tickets"]
    found = access.visible_tickets(request.user).in_bulk(ids)
    try:
        step, _ = _steps(request, data, found)
    except ServiceError as exc:
        messages.error(request, f"Nothing done: {exc}.")
        return redirect(back)
    lines, failed = [], 0
    for pk in ids:
        ticket = found.get(pk)
        if ticket is None:
            lines.append(f"#{pk}: not found")
            failed += 1
            continue
        try:
            lines.append(f"#{pk}: {step(ticket)}")
        except (ServiceError, ValueError) as exc:
            lines.append(f"#{pk}: refused — {exc}")
            failed += 1
    done = len(ids) - failed
    summary = (
        f"{dict(ACTIONS)[data['action']]}: {done} of {len(ids)} done. " + "; ".join(lines) + "."
    )
    messages.add_message(request, messages.WARNING if failed else messages.SUCCESS, summary)
    return redirect(back)
