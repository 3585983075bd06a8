"""Agent workspace pages: the inbox (and its polled list partial) and the ticket page.

Thin views: parse the query, check access (`agent_required`; tickets through
`selectors.get_ticket`, i.e. `sladesk.tickets.access.access_ticket`: 404 outside the
agent's scope), read through the selectors and
`sladesk.desk.queries`, render. Writes are in `sladesk.desk.writes`.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sladesk.core import time as core_time
from sladesk.core.policies import available_policies
from sladesk.intake import senders
from sladesk.intake.originals import originals_of
from sladesk.macros.access import usable_macros
from sladesk.notify.models import Page, PageState
from sladesk.tickets import selectors
from sladesk.tickets.models import Channel, Status, Ticket
from sladesk.web.access import agent_required
from sladesk.web.clocks import metric_label, status_colour, status_text
from sladesk.web.timefmt import viewer_zone

from . import presence, queries, saved_views
from .forms import AssignForm, FieldsForm, MessageForm, PriorityForm, StatusForm
from .timeline import Names, describe, undelivered

__all__ = ["clock_panel", "inbox", "inbox_list", "ticket_detail", "visible_ticket"]

_FILTERS = ("status", "priority", "organization", "plan", "tag", "channel", "q")


def _inbox_context(request: HttpRequest) -> dict[str, object]:
    view = request.GET.get("view", "all")
    if view not in queries.VIEWS:
        view = "all"
    filters = {k: request.GET.get(k, "") for k in _FILTERS}
    asked = request.GET.get("page", "")
    page = int(asked) if asked.isdigit() and len(asked) <= 6 else 1  # up to page 999999
    sort = request.GET.get("sort", "due")
    sort = sort if sort in queries.SORTS else "due"
    now = core_time.now()
    teams = queries.team_ids(request.user)
    rows, more = queries.inbox_rows(request.user, view, filters, now, page=page, sort=sort)
    counts = queries.inbox_counts(request.user, teams, now)
    query = request.GET.copy()
    query.pop("page", None)
    current = saved_views.current_query(view, filters, sort)
    return {
        "sort": sort,
        "sorts": queries.SORTS.items(),
        "saved_views": saved_views.listed(request.user, now, current),
        "current_query": current,
        "view": view,
        "views": [(key, label, counts[key]) for key, label in queries.VIEWS.items()],
        "filters": filters,
        "rows": rows,
        "page": page,
        "more": more,
        "query": query.urlencode(),
        "filter_query": urlencode(
            {k: v for k, v in filters.items() if v} | ({"sort": sort} if sort != "due" else {})
        ),
    }


@agent_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The inbox: views with counts, filters, tickets sorted by next due."""
    context = _inbox_context(request)
    context.update(
        queries.filter_choices(request.user),
        statuses=Status.choices,
        channels=Channel.choices,
        priorities=sorted(
            {p.key for f in available_policies().values() for p in f.policy.priorities}
        ),
        teams=queries.all_teams(),
        agents=list(User.objects.filter(agent_profile__isnull=False).order_by("username")),
        back=request.get_full_path(),
    )
    return render(request, "desk/inbox.html", context)


@agent_required
def inbox_list(request: HttpRequest) -> HttpResponse:
    """The views and rows only (polled by htmx every 10 s)."""
    return render(request, "desk/_inbox_list.html", _inbox_context(request))


def visible_ticket(request: HttpRequest, ticket_id: int, *, messages: bool = True) -> Ticket:
    """The ticket ``ticket_id`` as the signed-in agent may see it; 404 otherwise (outside
    the agent's scope too: `sladesk.tickets.access.access_ticket`)."""
    return selectors.get_ticket(request.user, ticket_id, messages=messages)


def clock_rows(ticket: Ticket) -> list[dict[str, object]]:
    """The clock panel: every clock as of now with its colour and label."""
    now = core_time.now()
    return [
        {
            "status": s,
            "label": metric_label(s.metric),
            "colour": status_colour(s, now),
            "text": status_text(s, now),
        }
        for s in selectors.clock_statuses(ticket, now)
    ]


def _panel_context(request: HttpRequest, ticket: Ticket) -> dict[str, object]:
    return {
        "ticket": ticket,
        "clocks": clock_rows(ticket),
        "agent_zone": viewer_zone(request.user),
        "customer_zone": ticket.requester.display_timezone,
    }


@agent_required
def ticket_detail(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """Conversation, properties, clock panel, timeline, reply/note boxes."""
    ticket = visible_ticket(request, ticket_id)
    policy = ticket.policy
    context = _panel_context(request, ticket)
    messages_list = list(ticket.messages.all())
    events = list(selectors.ticket_events(ticket))
    names = Names.of(events)
    mailed = [m.pk for m in messages_list if m.channel == Channel.EMAIL]
    mail_auth = senders.authentication_by_message(mailed)
    for m in messages_list:  # the template shows "verified sender" / "unverified sender"
        m.mail_auth = mail_auth.get(m.pk)
    context.update(
        messages_list=messages_list,
        original_ids=set(originals_of(mailed)),
        unconfirmed=senders.unconfirmed(ticket) if mailed else [],
        related=selectors.related_tickets(ticket, request.user),
        events=[(e, describe(e, names)) for e in events],
        undelivered=undelivered(events, names),
        message_form=MessageForm(),
        priority_form=PriorityForm(policy=policy, initial={"priority": ticket.priority}),
        status_form=StatusForm(current=ticket.status),
        assign_form=AssignForm(initial={"team": ticket.team_id, "assignee": ticket.assignee_id}),
        fields_form=FieldsForm(initial=FieldsForm.initial_for(ticket)),
        agents=list(User.objects.filter(agent_profile__isnull=False).order_by("username")),
        priority_level=_level(policy, ticket.priority),
        escalation=policy.escalation,
        open_pages=list(
            Page.objects.filter(ticket=ticket, state=PageState.TRIGGERED)
            .select_related("team")
            .order_by("created_at", "id")
        ),
        others=presence.others(ticket.pk, request.user.pk),
        macros=list(usable_macros(request.user)),
    )
    from .incident import incident_context  # (imports the actions, which import this module)

    context.update(incident_context(ticket))
    return render(request, "desk/ticket.html", context)


def _level(policy: object, key: str) -> object:
    try:
        return policy.priority(key)  # type: ignore[attr-defined]
    except Exception:
        return None


@agent_required
def clock_panel(request: HttpRequest, ticket_id: int) -> HttpResponse:
    """The clock panel alone (polled so a breach shows without a reload)."""
    ticket = visible_ticket(request, ticket_id, messages=False)
    return render(request, "desk/_clocks.html", _panel_context(request, ticket))
