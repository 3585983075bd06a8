"""The periodic jobs' slots belong to the core app now (`sladesk.core.models.PeriodicRun`).

State only: the table stays (core's 0001 took it over under its old name).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0005_fixes_apprise_destinations"),
        ("core", "0001_periodicrun"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="PeriodicRun")],
            database_operations=[],
        ),
    ]
