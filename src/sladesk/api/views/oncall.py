"""On-call API: schedules (who is on call, overrides), escalation policies, and page
acknowledge/resolve actions. Thin views: parse, check the role, call one `sladesk.oncall`
service (or `sladesk.notify.pages`), serialize.

Access: agents read and add overrides (covering for a colleague is an agent's job) and
acknowledge or resolve pages; creating schedules and escalation policies is for admins
(they decide who is woken at night).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sladesk.accounts.models import Team
from sladesk.api.permissions import IsAgent, ReadAgentWriteAdmin
from sladesk.api.serializers import oncall as S
from sladesk.api.views.base import EnvelopeMixin, errors
from sladesk.core import time as core_time
from sladesk.notify.links import absolute
from sladesk.notify.models import Page
from sladesk.notify.pages import acknowledge_page, resolve_page
from sladesk.oncall.ical import feed_of, import_overrides
from sladesk.oncall.models import EscalationPolicy, Override, Schedule
from sladesk.oncall.services.policies import create_escalation_policy
from sladesk.oncall.services.schedules import OncallError, add_override, create_schedule, engine

__all__ = [
    "EscalationPoliciesView",
    "MyCalendarView",
    "PageAcknowledgeView",
    "PageResolveView",
    "ScheduleDetailView",
    "ScheduleIcalImportView",
    "ScheduleOncallView",
    "ScheduleOverridesView",
    "SchedulesView",
]

_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The schedule id.")


def _names(ids: set[int]) -> dict[int, str]:
    return dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))


def _schedule_json(s: Schedule, names: dict[int, str]) -> dict[str, Any]:
    return {
        "id": s.pk,
        "name": s.name,
        "team": s.team_id,
        "timezone": s.timezone,
        "ical_url": absolute(f"/oncall/ical/schedule/{s.ical_token}.ics"),
        "rotations": [
            {
                "id": r.pk,
                "name": r.name,
                "layer": r.layer,
                "length": r.length,
                "participants": [names.get(u, "") for u in r.participants],
                "handoff": r.handoff.replace(tzinfo=None).isoformat(timespec="minutes"),
                "restrictions": r.restrictions,
            }
            for r in s.rotations.all()
        ],
    }


def _schedules_json(schedules: list[Schedule]) -> list[dict[str, Any]]:
    names = _names({u for s in schedules for r in s.rotations.all() for u in r.participants})
    return [_schedule_json(s, names) for s in schedules]


def _instant(text: str | None, name: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as error:
        raise ValidationError({name: [f"{text!r} is not an ISO-8601 instant"]}) from error
    if value.tzinfo is None:
        raise ValidationError({name: ["give a UTC offset (e.g. 2026-03-28T03:00:00+01:00)"]})
    return value


def _schedule(id: int) -> Schedule:
    found = Schedule.objects.filter(pk=id).first()
    if found is None:
        raise NotFound("no such schedule")
    return found


def _bad(error: OncallError) -> ValidationError:
    return ValidationError(str(error))


_SCHEDULE_IN, _SCHEDULE = S.ScheduleInputSerializer, S.ScheduleSerializer
_SCHEDULE_LIST = S.ScheduleSerializer(many=True)
_OVERRIDE_IN, _OVERRIDE = S.OverrideInputSerializer, S.OverrideSerializer
_OVERRIDE_LIST = S.OverrideSerializer(many=True)
_POLICY_IN, _POLICY = S.EscalationPolicyInputSerializer, S.EscalationPolicySerializer
_POLICY_LIST = S.EscalationPolicySerializer(many=True)
_ICAL_IN, _ICAL = S.IcalImportInputSerializer, S.IcalImportSerializer


class SchedulesView(EnvelopeMixin, APIView):
    """``GET`` every schedule (agents); ``POST`` a new one (admins)."""

    permission_classes = [ReadAgentWriteAdmin]

    @extend_schema(
        summary="List on-call schedules",
        operation_id="schedules_list",
        responses={200: _SCHEDULE_LIST, **errors(403)},
    )
    def get(self, request: Request) -> Response:
        found = list(Schedule.objects.prefetch_related("rotations").order_by("id"))
        return Response(_schedules_json(found))

    @extend_schema(
        summary="Create an on-call schedule",
        request=_SCHEDULE_IN,
        responses={201: _SCHEDULE, **errors(400, 403)},
    )
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        team = Team.objects.filter(
            pk=data.get("team") if isinstance(data.get("team"), int) else None
        ).first()
        if team is None:
            raise ValidationError({"team": ["give the id of an existing team"]})
        rotations = data.get("rotations", [])
        if not isinstance(rotations, list):
            raise ValidationError({"rotations": ["must be a list"]})
        try:
            created = create_schedule(
                team=team,
                name=str(data.get("name") or ""),
                timezone=str(data.get("timezone") or "UTC"),
                rotations=rotations,
            )
        except OncallError as error:
            raise _bad(error) from error
        return Response(_schedules_json([created])[0], status=status.HTTP_201_CREATED)


class ScheduleDetailView(EnvelopeMixin, APIView):
    permission_classes = [IsAgent]

    @extend_schema(
        summary="One on-call schedule",
        parameters=[_ID],
        responses={200: _SCHEDULE, **errors(403, 404)},
    )
    def get(self, request: Request, id: int) -> Response:
        return Response(_schedules_json([_schedule(id)])[0])


class ScheduleOncallView(EnvelopeMixin, APIView):
    """Who is on call at ``at`` (default now), and the shifts of the next ``days`` (0-90)."""

    permission_classes = [IsAgent]

    @extend_schema(
        summary="Who is on call at an instant",
        parameters=[
            _ID,
            OpenApiParameter("at", str, description="ISO-8601 instant with offset (default: now)"),
            OpenApiParameter(
                "days", int, description="also list the shifts of this many days from at (0-90)"
            ),
        ],
        responses={
            200: inline_serializer(
                "OnCall",
                {
                    "schedule": serializers.IntegerField(),
                    "at": serializers.DateTimeField(),
                    "users": serializers.ListField(child=serializers.CharField()),
                    "shifts": serializers.ListField(child=serializers.JSONField()),
                },
            ),
            **errors(400, 403, 404),
        },
    )
    def get(self, request: Request, id: int) -> Response:
        schedule = _schedule(id)
        at = _instant(request.query_params.get("at"), "at") or core_time.now()
        days = request.query_params.get("days", "0")
        if not days.isdigit() or int(days) > 90:
            raise ValidationError({"days": ["a whole number of days, 0 to 90"]})
        built = engine(schedule, since=at)
        shifts = built.shifts(at, at + timedelta(days=int(days))) if int(days) else []
        return Response(
            {
                "schedule": schedule.pk,
                "at": at,
                "timezone": schedule.timezone,
                "users": list(built.oncall_at(at)),
                "shifts": [
                    {"start": s.start, "end": s.end, "users": list(s.users)} for s in shifts
                ],
            }
        )


def _override_json(o: Override) -> dict[str, Any]:
    return {
        "id": o.pk,
        "user": o.user.get_username(),
        "replaces": o.replaces.get_username() if o.replaces else None,
        "start": o.start,
        "end": o.end,
        "reason": o.reason,
    }


class ScheduleOverridesView(EnvelopeMixin, APIView):
    """``GET`` the overrides that have not ended; ``POST`` one (agents may cover for each
    other): ``{"user": username, "start": ISO, "end": ISO, "replaces": username?}``."""

    permission_classes = [IsAgent]

    @extend_schema(
        summary="Overrides of a schedule",
        parameters=[_ID],
        operation_id="schedules_overrides_list",
        responses={200: _OVERRIDE_LIST, **errors(403, 404)},
    )
    def get(self, request: Request, id: int) -> Response:
        found = Override.objects.filter(
            schedule=_schedule(id), end__gt=core_time.now()
        ).select_related("user", "replaces")
        return Response([_override_json(o) for o in found])

    @extend_schema(
        summary="Add an override or a swap",
        parameters=[_ID],
        request=_OVERRIDE_IN,
        responses={201: _OVERRIDE, **errors(400, 403, 404)},
    )
    def post(self, request: Request, id: int) -> Response:
        schedule = _schedule(id)
        data = request.data if isinstance(request.data, dict) else {}
        users = get_user_model().objects
        user = users.filter(username=str(data.get("user") or "")).first()
        if user is None:
            raise ValidationError({"user": ["give the username of an existing user"]})
        replaces = None
        if data.get("replaces"):
            replaces = users.filter(username=str(data["replaces"])).first()
            if replaces is None:
                raise ValidationError({"replaces": ["no such user"]})
        start = _instant(str(data.get("start") or ""), "start")
        end = _instant(str(data.get("end") or ""), "end")
        if start is None or end is None:
            raise ValidationError({"start": ["start and end are required"]})
        try:
            created = add_override(
                schedule,
                user=user,
                start=start,
                end=end,
                replaces=replaces,
                reason=str(data.get("reason") or ""),
                actor=request.user,
            )
        except OncallError as error:
            raise _bad(error) from error
        return Response(_override_json(created), status=status.HTTP_201_CREATED)


def _policy_json(p: EscalationPolicy) -> dict[str, Any]:
    return {
        "id": p.pk,
        "name": p.name,
        "team": p.team_id,
        "repeat": p.repeat,
        "timezone": p.timezone,
        "version": p.version,
        "steps": [
            {
                "kind": s.kind,
                "user": s.user.get_username() if s.user else None,
                "schedule": s.schedule_id,
                "team": s.team_id,
                "channel": s.channel,
                "wait_minutes": s.wait_minutes,
                "windows": s.windows,
                "outside": s.outside,
            }
            for s in p.steps.all()
        ],
    }


class EscalationPoliciesView(EnvelopeMixin, APIView):
    """``GET`` every escalation policy (agents); ``POST`` a new one (admins)."""

    permission_classes = [ReadAgentWriteAdmin]

    @extend_schema(
        summary="List escalation policies",
        operation_id="escalation_policies_list",
        responses={200: _POLICY_LIST, **errors(403)},
    )
    def get(self, request: Request) -> Response:
        found = EscalationPolicy.objects.prefetch_related("steps__user").order_by("name")
        return Response([_policy_json(p) for p in found])

    @extend_schema(
        summary="Create an escalation policy",
        request=_POLICY_IN,
        responses={201: _POLICY, **errors(400, 403)},
    )
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, dict) else {}
        steps = data.get("steps", [])
        if not isinstance(steps, list) or not all(isinstance(s, dict) for s in steps):
            raise ValidationError({"steps": ["must be a list of steps"]})
        team = (
            Team.objects.filter(pk=data["team"]).first()
            if isinstance(data.get("team"), int)
            else None
        )
        try:
            created = create_escalation_policy(
                name=str(data.get("name") or ""),
                steps=steps,
                repeat=data.get("repeat", 0),
                timezone=str(data.get("timezone") or "UTC"),
                team=team,
                description=str(data.get("description") or ""),
            )
        except OncallError as error:
            raise _bad(error) from error
        return Response(_policy_json(created), status=status.HTTP_201_CREATED)


_PAGE_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The page id.")
_PAGE = inline_serializer(
    "PageState",
    {
        "id": serializers.IntegerField(),
        "ticket": serializers.IntegerField(),
        "state": serializers.CharField(),
    },
)


def _page(id: int) -> Page:
    found = Page.objects.filter(pk=id).first()
    if found is None:
        raise NotFound("no such page")
    return found


class PageAcknowledgeView(EnvelopeMixin, APIView):
    """Acknowledge a page: its escalation steps stop (idempotent)."""

    permission_classes = [IsAgent]

    @extend_schema(
        summary="Acknowledge a page",
        parameters=[_PAGE_ID],
        request=None,
        responses={200: _PAGE, **errors(403, 404)},
    )
    def post(self, request: Request, id: int) -> Response:
        page = acknowledge_page(_page(id), request.user, via="api")
        return Response({"id": page.pk, "ticket": page.ticket_id, "state": page.state})


class PageResolveView(EnvelopeMixin, APIView):
    """Resolve a page by hand: steps stop, PagerDuty's incident is resolved (idempotent)."""

    permission_classes = [IsAgent]

    @extend_schema(
        summary="Resolve a page",
        parameters=[_PAGE_ID],
        request=None,
        responses={200: _PAGE, **errors(403, 404)},
    )
    def post(self, request: Request, id: int) -> Response:
        page = resolve_page(_page(id), request.user, via="api")
        return Response({"id": page.pk, "ticket": page.ticket_id, "state": page.state})


class ScheduleIcalImportView(EnvelopeMixin, APIView):
    """Import an iCalendar document as overrides (admins): ``{"ics": text, "days": 90}``;
    every event in the next ``days`` naming a user (attendee e-mail, @username) becomes
    an override; the answer lists the override ids made and the events skipped, and why."""

    permission_classes = [ReadAgentWriteAdmin]

    @extend_schema(
        summary="Import overrides from iCal",
        parameters=[_ID],
        request=_ICAL_IN,
        responses={201: _ICAL, **errors(400, 403, 404)},
    )
    def post(self, request: Request, id: int) -> Response:
        schedule = _schedule(id)
        data = request.data if isinstance(request.data, dict) else {}
        ics, days = data.get("ics"), data.get("days", 90)
        if not isinstance(ics, str) or not ics.strip():
            raise ValidationError({"ics": ["give the calendar's text"]})
        if not isinstance(days, int) or not 1 <= days <= 366:
            raise ValidationError({"days": ["1 to 366"]})
        start = core_time.now()
        try:
            result = import_overrides(
                schedule, ics, start=start, end=start + timedelta(days=days), actor=request.user
            )
        except OncallError as error:
            raise _bad(error) from error
        return Response(result, status=status.HTTP_201_CREATED)


class MyCalendarView(EnvelopeMixin, APIView):
    """The caller's subscribable on-call calendar URL (made on first request)."""

    permission_classes = [IsAgent]

    @extend_schema(
        summary="My on-call calendar URL",
        request=None,
        responses={
            200: inline_serializer("OncallCalendar", {"url": serializers.URLField()}),
            **errors(403),
        },
    )
    def post(self, request: Request) -> Response:
        return Response({"url": absolute(f"/oncall/ical/user/{feed_of(request.user).token}.ics")})
