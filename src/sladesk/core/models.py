"""The core app's one model: the slots of periodic jobs (`sladesk.core.periodic`).

The model was born in the notify app; its table keeps that name (``notify_periodicrun``)
so that a database migrated before the move needs no change (core's migration 0001
takes it over in Django's state only).
"""

from __future__ import annotations

from django.db import models

__all__ = ["PeriodicRun", "PeriodicRunState"]


class PeriodicRunState(models.TextChoices):
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (beyond the catch-up bound)"


class PeriodicRun(models.Model):
    """One slot of a periodic job (`sladesk.core.periodic`), claimed by one worker.

    ``slot`` is the start of the job's interval, an aware UTC instant aligned on the
    ``every`` of the job since the Unix epoch: slot *s* covers ``[s, s + every)``. The
    unique (``job``, ``slot``) constraint is the claim: the worker whose insert succeeds
    runs the slot; every other worker's insert conflicts and it moves on. Slots missed
    during downtime beyond the job's catch-up bound are inserted as ``skipped`` (so they
    are visible, and no worker runs them later).

    ``lease_until`` is how long the claim holds: the running worker renews it while the
    job runs. A ``running`` row whose lease has lapsed (its worker died mid-run) is taken
    over by another worker, which bumps ``attempt`` (the fencing token: only the holder of
    the current attempt records the outcome) and runs the slot again — once: a slot whose
    second attempt also dies is recorded ``failed``.
    """

    job = models.CharField(max_length=64)
    slot = models.DateTimeField()
    state = models.CharField(
        max_length=16, choices=PeriodicRunState.choices, default=PeriodicRunState.RUNNING
    )
    worker = models.CharField(max_length=100, blank=True, default="")
    started_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    attempt = models.PositiveSmallIntegerField(default=1)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, default="")

    class Meta:
        db_table = "notify_periodicrun"
        ordering = ("job", "-slot")
        constraints = (
            models.UniqueConstraint(fields=["job", "slot"], name="notify_periodic_job_slot"),
        )
        indexes = (
            models.Index(
                fields=["lease_until"],
                name="notify_periodic_lease_idx",
                condition=models.Q(state="running"),
            ),
        )

    def __str__(self) -> str:
        return f"{self.job} {self.slot:%Y-%m-%d %H:%M:%S} ({self.state})"
