"""``/desk/oncall/``: who is on call (a badge), each schedule's timeline for the next two
weeks in the viewer's time zone, overrides by form, the page list with state and history,
one-click acknowledge, and the viewer's subscribable calendar."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from sladesk.core import time as core_time
from sladesk.notify import pages
from sladesk.notify.links import absolute
from sladesk.notify.models import Page, PageState
from sladesk.oncall.ical import feed_of
from sladesk.oncall.models import CalendarFeed, PageEscalation, Schedule
from sladesk.oncall.services.schedules import OncallError, add_override, engines
from sladesk.tickets.models import EventKind, TicketEvent
from sladesk.web.access import agent_required
from sladesk.web.timefmt import viewer_zone

__all__ = ["acknowledge", "calendar", "oncall", "override"]

DAYS = 14


def _bars(shifts: list[Any], start: datetime, zone: ZoneInfo) -> list[dict[str, Any]]:
    total = DAYS * 86400
    return [
        {
            "users": s.users,
            "start": s.start.astimezone(zone),
            "end": s.end.astimezone(zone),
            "left": round((s.start - start).total_seconds() / total * 100, 3),
            "width": round((s.end - s.start).total_seconds() / total * 100, 3),
        }
        for s in shifts
    ]


def _page_rows() -> list[dict[str, Any]]:
    recent = list(
        Page.objects.select_related("ticket", "team", "acknowledged_by").order_by("-created_at")[
            :50
        ]
    )
    escalations = {e.page_id: e for e in PageEscalation.objects.filter(page__in=recent)}
    history: dict[int, list[TicketEvent]] = defaultdict(list)
    events = TicketEvent.objects.filter(
        kind=EventKind.PAGE, ticket_id__in={p.ticket_id for p in recent}
    )
    for e in events.order_by("at", "id"):
        if isinstance(e.data, dict) and e.data.get("page") is not None:
            history[e.data["page"]].append(e)
    return [
        {"page": p, "escalation": escalations.get(p.pk), "history": history.get(p.pk, [])}
        for p in recent
    ]


@agent_required
def oncall(request: HttpRequest) -> HttpResponse:
    zone_name = viewer_zone(request.user)
    zone = ZoneInfo(zone_name)
    now = core_time.now()
    start = now.replace(second=0, microsecond=0)
    schedules = list(Schedule.objects.select_related("team").order_by("team__name", "name"))
    built = engines(schedules, since=start)
    cards, mine = [], []
    for s in schedules:
        current = built[s.pk].oncall_at(now)
        if request.user.get_username() in current:
            mine.append(s)
        cards.append(
            {
                "schedule": s,
                "now": current,
                "bars": _bars(built[s.pk].shifts(start, start + timedelta(days=DAYS)), start, zone),
                "ical": absolute(f"/oncall/ical/schedule/{s.ical_token}.ics"),
            }
        )
    days = [(start + timedelta(days=d)).astimezone(zone) for d in range(DAYS)]
    feed = CalendarFeed.objects.filter(user=request.user).first()
    context = {
        "nav": "oncall",
        "cards": cards,
        "mine": mine,
        "zone": zone_name,
        "days": days,
        "people": get_user_model()
        .objects.filter(agent_profile__isnull=False, is_active=True)
        .order_by("username"),
        "rows": _page_rows(),
        "my_feed": absolute(f"/oncall/ical/user/{feed.token}.ics") if feed else None,
    }
    return render(request, "desk/oncall.html", context)


def _local(text: str, zone: ZoneInfo, what: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as error:
        raise OncallError(f"{what}: {text!r} is not a date and time") from error
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


@require_POST
@agent_required
def override(request: HttpRequest, schedule_id: int) -> HttpResponse:
    """Add an override (or, with "instead of", a swap) from the form; times are read in
    the viewer's zone."""
    schedule = get_object_or_404(Schedule, pk=schedule_id)
    zone = ZoneInfo(viewer_zone(request.user))
    users = get_user_model().objects
    try:
        user = users.filter(username=request.POST.get("user", "")).first()
        if user is None:
            raise OncallError("choose who is on call")
        replaces = (
            users.filter(username=request.POST.get("replaces", "")).first()
            if request.POST.get("replaces")
            else None
        )
        made = add_override(
            schedule,
            user=user,
            replaces=replaces,
            start=_local(request.POST.get("start", ""), zone, "start"),
            end=_local(request.POST.get("end", ""), zone, "end"),
            reason=request.POST.get("reason", ""),
            actor=request.user,
        )
    except OncallError as error:
        messages.error(request, f"Override not added: {error}")
        return redirect("desk:oncall")
    what = f"instead of {replaces.get_username()}" if replaces else "on call"
    messages.success(
        request,
        f"{user.get_username()} is {what} on {schedule.name} from "
        f"{made.start.astimezone(zone):%a %d %b %H:%M} to "
        f"{made.end.astimezone(zone):%a %d %b %H:%M}.",
    )
    return redirect("desk:oncall")


@require_POST
@agent_required
def acknowledge(request: HttpRequest, page_id: int) -> HttpResponse:
    """One click: acknowledge a page (its escalation steps stop)."""
    page = get_object_or_404(Page, pk=page_id)
    if page.state != PageState.TRIGGERED:
        messages.info(request, f"Page #{page.pk} was already {page.state}.")
    else:
        pages.acknowledge_page(page, request.user, via="desk")
        messages.success(request, f"Page #{page.pk} acknowledged: its escalation stops.")
    return redirect("desk:oncall")


@require_POST
@agent_required
def calendar(request: HttpRequest) -> HttpResponse:
    """Make (or show) the viewer's subscribable calendar URL."""
    feed_of(request.user)
    messages.success(
        request, "Your on-call calendar is ready: subscribe to the link below in your calendar app."
    )
    return redirect("desk:oncall")
