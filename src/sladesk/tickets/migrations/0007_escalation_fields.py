"""The escalation moves out of ``custom_fields`` (which contacts may write) into columns
only ``services.escalate`` writes.

The columns are added with a database default (no row rewritten, no constraint to
validate, so no long lock on a large tickets table); then the tickets that carry an
``escalation_level`` in their custom fields (few: escalated ones) get it copied, with the
role and the reason, and those keys leave ``custom_fields``. Reversible: the reverse puts
them back.
"""

from django.db import migrations, models

_KEYS = ("escalation_level", "escalation_role", "escalation_reason")
_BATCH = 500


def _level(value):
    try:
        return max(0, min(int(value or 0), 32767))
    except (TypeError, ValueError):
        return 0


def copy_out(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    escalated = Ticket.objects.filter(custom_fields__has_key="escalation_level").order_by("pk")
    batch = []
    for ticket in escalated.only("pk", "custom_fields").iterator(chunk_size=_BATCH):
        fields = dict(ticket.custom_fields)
        ticket.escalation_level = _level(fields.get("escalation_level"))
        ticket.escalation_role = str(fields.get("escalation_role") or "")[:200]
        ticket.escalation_reason = str(fields.get("escalation_reason") or "")
        ticket.custom_fields = {k: v for k, v in fields.items() if k not in _KEYS}
        batch.append(ticket)
        if len(batch) >= _BATCH:
            Ticket.objects.bulk_update(batch, ["custom_fields", *_KEYS])
            batch = []
    if batch:
        Ticket.objects.bulk_update(batch, ["custom_fields", *_KEYS])


def copy_back(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    batch = []
    for ticket in (
        Ticket.objects.filter(escalation_level__gt=0).order_by("pk").iterator(chunk_size=_BATCH)
    ):
        ticket.custom_fields = {
            **ticket.custom_fields,
            "escalation_level": ticket.escalation_level,
            "escalation_role": ticket.escalation_role,
            "escalation_reason": ticket.escalation_reason,
        }
        batch.append(ticket)
        if len(batch) >= _BATCH:
            Ticket.objects.bulk_update(batch, ["custom_fields"])
            batch = []
    if batch:
        Ticket.objects.bulk_update(batch, ["custom_fields"])


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0006_api_clock_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="escalation_level",
            field=models.SmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="ticket",
            name="escalation_reason",
            field=models.TextField(blank=True, db_default="", default=""),
        ),
        migrations.AddField(
            model_name="ticket",
            name="escalation_role",
            field=models.CharField(blank=True, db_default="", default="", max_length=200),
        ),
        migrations.RunPython(copy_out, copy_back, elidable=True),
    ]
