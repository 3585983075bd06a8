"""iCal (RFC 5545): export on-call shifts as subscribable calendars, import a calendar as
overrides.

**Export.** ``/oncall/ical/schedule/<token>.ics`` (a schedule's shifts: who is on call) and
``/oncall/ical/user/<token>.ics`` (one person's shifts on every schedule) — no sign-in: the
unguessable token in the URL is the credential, as calendar apps need. Each covers
``[now - 7 days, now + FEED_DAYS)`` (120 days ahead, ≥ 90 as promised), one VEVENT per
shift in UTC, with a UID stable across refreshes (schedule, start instant, people).

**Import** (`import_overrides`). Every event occurring in ``[start, end)`` —
recurrences expanded by recurring-ical-events — becomes an override for the person it
names: an ATTENDEE or ORGANIZER ``mailto:`` matching a user's e-mail, else a SUMMARY equal to
a username or containing ``@username``. Events that name nobody are reported, not guessed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import icalendar
import recurring_ical_events
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse

from sladesk.core import time as core_time

from . import schedule as engine_mod
from .models import CalendarFeed, Schedule
from .services.schedules import OncallError, add_override, engine, engines

__all__ = [
    "FEED_DAYS",
    "feed_of",
    "import_overrides",
    "schedule_feed",
    "schedule_ics",
    "user_feed",
    "user_ics",
]

FEED_DAYS = 120
PAST_DAYS = 7


def _window() -> tuple[datetime, datetime]:
    now = core_time.now().astimezone(UTC).replace(second=0, microsecond=0)
    return now - timedelta(days=PAST_DAYS), now + timedelta(days=FEED_DAYS)


def _calendar(name: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", "-//sladesk//on-call//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval;value=duration", "PT1H")
    return cal


def _event(uid: str, summary: str, shift: engine_mod.Shift, stamp: datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", uid)
    event.add("summary", summary)
    event.add("dtstart", shift.start.astimezone(UTC))
    event.add("dtend", shift.end.astimezone(UTC))
    event.add("dtstamp", stamp)
    event.add("transp", "TRANSPARENT")
    return event


def schedule_ics(schedule: Schedule) -> bytes:
    """The schedule's shifts as an iCalendar document."""
    start, end = _window()
    cal = _calendar(f"On call: {schedule.team} / {schedule.name}")
    for shift in engine(schedule, since=start).shifts(start, end):
        if shift.users:
            uid = f"sladesk-{schedule.pk}-{int(shift.start.timestamp())}-{'-'.join(shift.users)}"
            cal.add_component(
                _event(uid, f"On call: {', '.join(shift.users)} ({schedule.name})", shift, start)
            )
    return cal.to_ical()


def user_ics(user: Any) -> bytes:
    """``user``'s shifts on every schedule as an iCalendar document."""
    start, end = _window()
    cal = _calendar(f"On call: {user.get_username()}")
    schedules = list(Schedule.objects.select_related("team"))
    built_all = engines(schedules, since=start)
    for schedule in schedules:
        built = built_all[schedule.pk]
        for shift in engine_mod.user_shifts(built.shifts(start, end), user.get_username()):
            uid = f"sladesk-{schedule.pk}-{int(shift.start.timestamp())}-{user.get_username()}"
            cal.add_component(
                _event(uid, f"On call: {schedule.team} / {schedule.name}", shift, start)
            )
    return cal.to_ical()


def feed_of(user: Any) -> CalendarFeed:
    """``user``'s calendar feed (made on first use)."""
    feed, _ = CalendarFeed.objects.get_or_create(user=user)
    return feed


def _ics(body: bytes, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def schedule_feed(request: HttpRequest, token: str) -> HttpResponse:
    found = Schedule.objects.select_related("team").filter(ical_token=token).first()
    if found is None:
        raise Http404("no such calendar")
    return _ics(schedule_ics(found), f"oncall-{found.pk}")


def user_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        raise Http404("no such calendar")
    return _ics(user_ics(feed.user), f"oncall-{feed.user.get_username()}")


def _instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    raise OncallError(f"cannot read {value!r} as a time")


def _person(component: Any, by_email: dict[str, Any], by_name: dict[str, Any]) -> Any:
    attendees = component.get("attendee") or []
    if not isinstance(attendees, list):
        attendees = [attendees]
    for value in [*attendees, component.get("organizer")]:
        text = str(value or "").lower()
        if text.startswith("mailto:") and text[7:] in by_email:
            return by_email[text[7:]]
    summary = str(component.get("summary") or "").strip()
    if summary.lower() in by_name:
        return by_name[summary.lower()]
    for word in summary.split():
        if word.startswith("@") and word[1:].lower().strip(".,;:") in by_name:
            return by_name[word[1:].lower().strip(".,;:")]
    return None


def import_overrides(
    schedule: Schedule, ics: bytes | str, *, start: datetime, end: datetime, actor: Any = None
) -> dict[str, Sequence[Any]]:
    """Add an override for each event of ``ics`` occurring in ``[start, end)``; returns
    ``{"created": [override ids], "skipped": [reasons]}``."""
    try:
        cal = icalendar.Calendar.from_ical(ics)
    except ValueError as error:
        raise OncallError(f"not an iCalendar document: {error}") from error
    users = list(get_user_model().objects.filter(is_active=True))
    by_email = {u.email.lower(): u for u in users if u.email}
    by_name = {u.get_username().lower(): u for u in users}
    created, skipped = [], []
    for component in recurring_ical_events.of(cal).between(start, end):
        summary = str(component.get("summary") or "(no summary)")
        person = _person(component, by_email, by_name)
        if person is None:
            skipped.append(f"{summary}: names no known user")
            continue
        begin = _instant(component.get("dtstart").dt)
        finish = (
            _instant(component.get("dtend").dt)
            if component.get("dtend")
            else begin + timedelta(days=1)
        )
        try:
            made = add_override(
                schedule,
                user=person,
                start=begin,
                end=finish,
                reason=f"imported: {summary}"[:200],
                actor=actor,
            )
        except OncallError as error:
            skipped.append(f"{summary}: {error}")
            continue
        created.append(made.pk)
    return {"created": created, "skipped": skipped}
