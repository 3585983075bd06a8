"""The full-text search table (`sladesk.tickets.search`), one per database vendor.

PostgreSQL: ``ticket_search`` with three tsvectors, a GIN index on their concatenation (agents)
and one on subject, people and public messages (contacts)
(the table is new and empty: a plain CREATE INDEX locks nothing anyone waits on). SQLite:
an FTS5 virtual table. Other vendors: nothing (search finds nothing). Django's state gets
the model `TicketSearchDocument` (so ``flush`` empties the table with the tickets).

Existing tickets are indexed by the next migration (``0009``, in batches, outside one long
transaction) or later by ``sladesk search_reindex``; until then the first write to an old
ticket indexes it whole.
"""

import django.db.models.deletion
from django.db import migrations, models

_POSTGRES = (
    """
    CREATE TABLE ticket_search (
        ticket_id bigint PRIMARY KEY
            REFERENCES tickets_ticket (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
        head tsvector NOT NULL DEFAULT ''::tsvector,
        body tsvector NOT NULL DEFAULT ''::tsvector,
        notes tsvector NOT NULL DEFAULT ''::tsvector
    )
    """,
    "CREATE INDEX ticket_search_document_idx ON ticket_search USING gin ((head || body || notes))",
    "CREATE INDEX ticket_search_public_idx ON ticket_search USING gin ((head || body))",
)
_SQLITE = (
    "CREATE VIRTUAL TABLE ticket_search USING fts5("
    "subject, people, body, notes, tokenize = 'unicode61 remove_diacritics 0')",
)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in _POSTGRES if vendor == "postgresql" else _SQLITE if vendor == "sqlite" else ():
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor in ("postgresql", "sqlite"):
        schema_editor.execute("DROP TABLE IF EXISTS ticket_search")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0007_escalation_fields"), ("accounts", "0003_agent_scopes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="TicketSearchDocument",
                    fields=[
                        (
                            "ticket",
                            models.OneToOneField(
                                db_constraint=False,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                primary_key=True,
                                related_name="+",
                                serialize=False,
                                to="tickets.ticket",
                            ),
                        ),
                    ],
                    options={"db_table": "ticket_search"},
                ),
            ],
            database_operations=[migrations.RunPython(create, drop, elidable=False)],
        ),
    ]
