"""Indexes behind the agent inbox (every page under 200 ms with 100,000 tickets).

- ``sla_clock_breached_open_idx`` (both backends): clocks recorded breached and not met
  since, which the *Breached* view and its count look up (a few hundred rows on a desk of
  100,000 tickets, where a scan reads all 160,000 clocks).
- ``ticket_subject_trgm_idx`` (PostgreSQL only): a pg_trgm GIN index on
  ``UPPER(subject)``, the expression of Django's ``subject__icontains`` on PostgreSQL, so
  the inbox search finds ``%word%`` without reading every ticket (and ANALYZE keeps
  statistics on the expression: the planner knows how many subjects match). Needs the
  pg_trgm extension (contrib; "trusted" since PostgreSQL 13, so the database owner may
  create it). New tickets go to GIN's pending list (cheap inserts); its limit is lowered
  from 4 MB to 512 kB so the insert that merges the list into the index, which some
  ``open_ticket`` call pays, merges a few hundred subjects (milliseconds), not thousands.
  SQLite keeps its plain ``LIKE`` scan. Not in the model state: Django cannot declare an
  index that exists on one backend only.

Both are built CONCURRENTLY on PostgreSQL (``atomic = False``; `sladesk.core.migration_ops`),
so tickets and clocks stay writable while they build on a live desk. Edited after release:
the schema is the same, and installs that applied the plain version keep it.
"""

from django.db import migrations, models

from sladesk.core.migration_ops import AddIndexConcurrently


def _trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS ticket_subject_trgm_idx ON tickets_ticket "
        "USING gin (UPPER(subject) gin_trgm_ops) WITH (gin_pending_list_limit = 512)"
    )


def _drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS ticket_subject_trgm_idx")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tickets", "0004_desk_links"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="slaclock",
            index=models.Index(
                condition=models.Q(("met_at__isnull", True), ("state", "breached")),
                fields=["ticket"],
                name="sla_clock_breached_open_idx",
            ),
        ),
        migrations.RunPython(_trigram_index, _drop_trigram_index, elidable=False),
    ]
