"""On-call models: schedules (rotations, overrides), escalation policies (steps), personal
notification rules, and the escalation state of a page (its policy snapshot and agenda).

Times: rotation hand-offs are *local* wall-clock times of the schedule's zone (a date and
a time, no offset); overrides are aware instants. The schedule engine
(`sladesk.oncall.schedule`) gives them meaning; `services.schedules.engine` builds it.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from sladesk.core.time import now

__all__ = [
    "CalendarFeed",
    "EscalationPolicy",
    "EscalationStep",
    "NotificationRule",
    "Override",
    "PageEscalation",
    "Rotation",
    "Schedule",
    "StepKind",
]


def _token() -> str:
    return secrets.token_urlsafe(24)


class Schedule(models.Model):
    """A team's on-call schedule, read in ``timezone`` (IANA): layered rotations plus
    overrides. ``ical_token`` is the secret in its subscribable calendar URL."""

    team = models.ForeignKey("accounts.Team", on_delete=models.CASCADE, related_name="schedules")
    name = models.CharField(max_length=100)
    timezone = models.CharField(max_length=64, default="UTC")
    ical_token = models.CharField(max_length=64, default=_token, unique=True, editable=False)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ("team__name", "name")
        constraints = (
            models.UniqueConstraint(fields=["team", "name"], name="oncall_schedule_team_name"),
        )

    def __str__(self) -> str:
        return f"{self.team} / {self.name}"


class Rotation(models.Model):
    """One rotation of a schedule: ``participants`` (user ids, in turn order) take shifts of
    ``length`` (``1d``, ``1w``, ``12h``) from the first hand-off ``handoff`` (local wall
    clock), on ``layer`` (higher wins where it has someone), only inside ``restrictions``
    (``[{"weekdays": [0..6], "start": "09:00", "end": "17:00"}]``; empty: always)."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="rotations")
    name = models.CharField(max_length=100, blank=True, default="")
    layer = models.PositiveSmallIntegerField(default=0)
    participants = models.JSONField(default=list)
    length = models.CharField(max_length=8)
    handoff = models.DateTimeField(
        help_text="first hand-off, local wall clock (stored without zone)"
    )
    restrictions = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("schedule", "layer", "id")

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .schedule import ScheduleError, parse_length
        from .services.schedules import OncallError, parse_restrictions

        try:
            parse_length(self.length)
            self.restrictions = parse_restrictions(self.restrictions)
        except (ScheduleError, OncallError) as error:
            raise ValidationError(str(error)) from error
        if not isinstance(self.participants, list) or not all(
            isinstance(p, int) for p in self.participants
        ):
            raise ValidationError("participants: a list of user ids in turn order")

    def __str__(self) -> str:
        return self.name or f"rotation {self.pk}"


class Override(models.Model):
    """``user`` is on call on ``schedule`` for ``[start, end)`` — or, when ``replaces`` is
    set, a swap: ``user`` takes ``replaces``'s on-call time within the window."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    replaces = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ("schedule", "start", "id")
        indexes = (models.Index(fields=["schedule", "end"], name="oncall_override_end_idx"),)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.start and self.end and self.end <= self.start:
            raise ValidationError("end must be after start")

    def __str__(self) -> str:
        return f"{self.user} on {self.schedule} {self.start:%Y-%m-%d %H:%M}"


class EscalationPolicy(models.Model):
    """Who a page reaches, in order: the steps, then again up to ``repeat`` more times.
    Named by policy files (``oncall: {created_urgent: <name>}``); ``timezone`` reads the
    steps' time-of-day gates. ``version`` increments on every change (snapshots name it)."""

    name = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True, default="")
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="escalation_policies",
    )
    repeat = models.PositiveSmallIntegerField(
        default=0, help_text="run the whole policy this many more times"
    )
    timezone = models.CharField(max_length=64, default="UTC")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=now, editable=False)

    class Meta:
        ordering = ("name",)
        verbose_name_plural = "escalation policies"

    def __str__(self) -> str:
        return self.name


class StepKind(models.TextChoices):
    USER = "user", "Notify a user"
    SCHEDULE = "schedule", "Notify the on-call of a schedule"
    TEAM = "team", "Notify every agent of a team"
    CHANNEL = "channel", "Notify a team's channel"


class EscalationStep(models.Model):
    """One step of an escalation policy: notify ``kind``'s target, then wait
    ``wait_minutes`` before the next step. ``windows`` (restriction windows, as rotations
    have) gate it by local time of day in the policy's zone; ``outside`` inverts the gate
    (e.g. "only outside business hours"). A step outside its gate, or whose target is
    nobody, is skipped at once."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=StepKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    schedule = models.ForeignKey(
        Schedule, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(
        max_length=16,
        blank=True,
        default="",
        help_text="pagerduty, slack, webhook, apprise (blank: all of the team's)",
    )
    wait_minutes = models.PositiveIntegerField(default=5)
    windows = models.JSONField(default=list, blank=True)
    outside = models.BooleanField(default=False)

    class Meta:
        ordering = ("policy", "position")
        constraints = (
            models.UniqueConstraint(fields=["policy", "position"], name="oncall_step_position"),
        )

    def __str__(self) -> str:
        return f"{self.policy} step {self.position + 1} ({self.kind})"


class NotificationRule(models.Model):
    """How to reach ``user`` when a step notifies them: ``channel`` (``email``, ``slack``
    — a personal incoming webhook, ``sms``, ``voice`` — a phone number) ``delay_minutes``
    after the step, unless the page was acknowledged by then. No rules: e-mail at once.
    ``address`` is the phone number or webhook URL (a secret, read only when sending)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oncall_rules"
    )
    channel = models.CharField(max_length=16)
    address = models.CharField(max_length=300, blank=True, default="")
    delay_minutes = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("user", "delay_minutes", "id")

    def __str__(self) -> str:
        return f"{self.user} {self.channel} after {self.delay_minutes} min"


class PageEscalation(models.Model):
    """The climb of one page (`sladesk.notify.models.Page`) through an escalation policy.

    ``snapshot`` is the policy as it was when the page started (steps, targets, waits,
    gates, repeat): editing the policy never changes a page already climbing. ``agenda`` is
    what is still owed, as ``[{"at": ISO instant, ...}]`` — the next step and personal
    notifications delayed by a rule; the page's one ``oncall_step`` timer fires at its
    earliest entry. ``event`` is the paging event (``created_urgent``, ``out_of_hours``,
    ``dispatch_missed``, ``breach``). ``nobody`` is set when a step found nobody on call.
    """

    page = models.OneToOneField("notify.Page", on_delete=models.CASCADE, related_name="escalation")
    policy = models.ForeignKey(
        EscalationPolicy, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    event = models.CharField(max_length=32)
    snapshot = models.JSONField()
    agenda = models.JSONField(default=list)
    step = models.PositiveSmallIntegerField(default=0)
    round = models.PositiveSmallIntegerField(default=0)
    nobody = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=now, editable=False)

    def __str__(self) -> str:
        return f"escalation of page {self.page_id} ({self.snapshot.get('name')})"


class CalendarFeed(models.Model):
    """A person's subscribable on-call calendar: ``token`` is the secret in its URL
    (``/oncall/ical/user/<token>.ics``); deleting the row revokes it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oncall_feed"
    )
    token = models.CharField(max_length=64, default=_token, unique=True, editable=False)
    created_at = models.DateTimeField(default=now, editable=False)

    def __str__(self) -> str:
        return f"on-call calendar of {self.user}"
