"""The periodic jobs' slots move from the notify app to core (`sladesk.core.periodic`).

State only: the table ``notify_periodicrun`` was created by notify's migrations 0002 and
0003 and keeps its name (``db_table``), on a fresh install as on a database migrated
before the move; notify's 0006 drops the model from notify's state.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("notify", "0003_actions_periodic_lease"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PeriodicRun",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("job", models.CharField(max_length=64)),
                        ("slot", models.DateTimeField()),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("running", "Running"),
                                    ("done", "Done"),
                                    ("failed", "Failed"),
                                    ("skipped", "Skipped (beyond the catch-up bound)"),
                                ],
                                default="running",
                                max_length=16,
                            ),
                        ),
                        ("worker", models.CharField(blank=True, default="", max_length=100)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("lease_until", models.DateTimeField(blank=True, null=True)),
                        ("attempt", models.PositiveSmallIntegerField(default=1)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("error", models.TextField(blank=True, default="")),
                    ],
                    options={
                        "db_table": "notify_periodicrun",
                        "ordering": ("job", "-slot"),
                        "indexes": [
                            models.Index(
                                condition=models.Q(("state", "running")),
                                fields=["lease_until"],
                                name="notify_periodic_lease_idx",
                            )
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("job", "slot"), name="notify_periodic_job_slot"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
