"""Report tables: one fact per SLA clock, and the attainment rollup built from the facts."""

from __future__ import annotations

from django.db import models

__all__ = ["AttainmentCell", "ClockFact", "Granularity", "RollupChange"]


class Granularity(models.TextChoices):
    """Full cells carry every dimension; *summary* cells (``sday``/``smonth``) only the
    organization, priority and metric (plan ``""``, team ``-1``): the default grouping
    reads those, many times fewer rows."""

    DAY = "day", "Day"
    MONTH = "month", "Month"
    SUMMARY_DAY = "sday", "Day, by organization, priority, metric"
    SUMMARY_MONTH = "smonth", "Month, by organization, priority, metric"
    SUMMARY_QUARTER = "squarter", "Quarter, by organization, priority, metric"
    SUMMARY_YEAR = "syear", "Year, by organization, priority, metric"


class ClockFact(models.Model):
    """What one `SlaClock` contributes to the reports, as of its last change.

    The dimensions are the ticket's at that change (organization, plan, priority, team)
    and the instant it was opened (``opened_at``, the ticket's ``created_at``). ``state``
    is the clock's. Durations, in whole seconds, for a clock that reached an outcome
    (met, or breached and met late; null otherwise): ``used_seconds`` is working time in
    the target's calendar (business hours, or 24x7 for calendar targets), ``wall_seconds``
    calendar time from the cycle's start to ``met_at``. ``paused_seconds`` is the calendar
    time spent paused (closed pauses).
    """

    clock = models.OneToOneField(
        "tickets.SlaClock", on_delete=models.CASCADE, primary_key=True, related_name="report_fact"
    )
    ticket_id = models.BigIntegerField(db_index=True)
    organization_id = models.BigIntegerField()
    plan = models.CharField(max_length=100, blank=True, default="")
    priority = models.CharField(max_length=32)
    team_id = models.BigIntegerField(default=0)  # 0: no team
    metric = models.CharField(max_length=32)
    opened_at = models.DateTimeField()
    state = models.CharField(max_length=16)
    breached_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    used_seconds = models.BigIntegerField(null=True, blank=True)
    wall_seconds = models.BigIntegerField(null=True, blank=True)
    paused_seconds = models.BigIntegerField(default=0)
    target_seconds = models.BigIntegerField(default=0)
    business = models.BooleanField(default=True)

    class Meta:
        indexes = (
            models.Index(fields=["organization_id", "opened_at"], name="report_fact_org_opened"),
            models.Index(
                fields=["opened_at"],
                name="report_fact_breached",
                condition=models.Q(state="breached"),
            ),
        )

    def __str__(self) -> str:
        return f"#{self.ticket_id} {self.metric} {self.state}"


class AttainmentCell(models.Model):
    """The sum of the `ClockFact` rows of tickets opened in one UTC day or UTC month with
    the same organization, plan, priority, team and metric (cancelled clocks left out).

    ``tickets`` = met + breached + running (paused counts as running). ``used_hist`` and
    ``wall_hist`` are `sladesk.reports.histogram` histograms of the facts' durations.
    Maintained by `sladesk.reports.rollup`: a clock change journals its contribution
    (`RollupChange`) in its own transaction, and ``reports.fold`` moves the journal into
    the cells within seconds; readers add the journal rows not folded yet.
    """

    granularity = models.CharField(max_length=8, choices=Granularity.choices)
    period = models.DateField()  # the day, or the first day of the month (UTC)
    organization_id = models.BigIntegerField()
    plan = models.CharField(max_length=100, blank=True, default="")
    priority = models.CharField(max_length=32)
    team_id = models.BigIntegerField(default=0)
    metric = models.CharField(max_length=32)
    tickets = models.IntegerField(default=0)
    met = models.IntegerField(default=0)
    breached = models.IntegerField(default=0)
    running = models.IntegerField(default=0)
    paused_seconds = models.BigIntegerField(default=0)
    used_hist = models.JSONField(default=dict, blank=True)
    wall_hist = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=[
                    "granularity",
                    "period",
                    "organization_id",
                    "plan",
                    "priority",
                    "team_id",
                    "metric",
                ],
                name="report_cell_key",
            ),
        )

    def __str__(self) -> str:
        return (
            f"{self.granularity} {self.period} org {self.organization_id} "
            f"{self.priority} {self.metric}"
        )


class RollupChange(models.Model):
    """One fact's contribution to the cells, journaled by the transaction that changed the
    clock and not yet folded into `AttainmentCell` (``sign`` +1 adds the fact, -1 takes
    a fact's previous values out).

    Journaling is an insert, so concurrent ticket writes never wait on each other's cells;
    `sladesk.reports.rollup.fold` (periodic ``reports.fold``, every few seconds) sums the
    oldest rows into the cells and deletes them in one transaction, and
    `sladesk.reports.attainment` adds the rows still here to what it reads, so a report
    is exact at every instant. The fields are the `ClockFact` fields the cells sum."""

    id = models.BigAutoField(primary_key=True)
    sign = models.SmallIntegerField()
    organization_id = models.BigIntegerField()
    plan = models.CharField(max_length=100, blank=True, default="")
    priority = models.CharField(max_length=32)
    team_id = models.BigIntegerField(default=0)
    metric = models.CharField(max_length=32)
    opened_at = models.DateTimeField()
    state = models.CharField(max_length=16)
    used_seconds = models.BigIntegerField(null=True, blank=True)
    wall_seconds = models.BigIntegerField(null=True, blank=True)
    paused_seconds = models.BigIntegerField(default=0)

    class Meta:
        indexes = (models.Index(fields=["opened_at"], name="report_change_opened"),)

    def __str__(self) -> str:
        return f"{self.sign:+d} org {self.organization_id} {self.priority} {self.metric}"
