"""Index the tickets that existed before the search table (`sladesk.tickets.search.reindex`).

Not atomic: a transaction per 1,000 tickets, so a large desk is never locked in one long
transaction and an interrupted run keeps what it did (``sladesk manage search_reindex
--after-id N`` resumes; running it again is harmless). The reverse empties nothing: the
table goes with ``0008``'s reverse.
"""

from django.db import migrations


def backfill(apps, schema_editor):
    if schema_editor.connection.vendor not in ("postgresql", "sqlite"):
        return
    from sladesk.tickets.search import reindex

    for _ in reindex(batch=1000):
        pass


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("tickets", "0008_ticket_search")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=False)]
