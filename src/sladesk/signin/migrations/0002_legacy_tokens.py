"""Move DRF authtoken keys (one plain-text key per user) into named, hashed API tokens.

``rest_framework.authtoken`` is no longer installed, but a database from before still
has its table: each key becomes an `ApiToken` named "API token (before named tokens)"
with the digest of the same key, so its holder's requests keep working; the plain-text
rows are then deleted. Databases created since have no such table: nothing to do.
"""

import hashlib

from django.db import migrations


def forward(apps, schema_editor):
    connection = schema_editor.connection
    if "authtoken_token" not in connection.introspection.table_names():
        return
    ApiToken = apps.get_model("signin", "ApiToken")
    User = apps.get_model("auth", "User")
    with connection.cursor() as cursor:
        cursor.execute("SELECT key, user_id, created FROM authtoken_token")
        rows = cursor.fetchall()
    users = User.objects.in_bulk([user_id for _, user_id, _ in rows])
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user_id=user_id,
                name="API token (before named tokens)",
                prefix=key[:8],
                digest=hashlib.sha256(key.encode()).hexdigest(),
                password_stamp=hashlib.sha256(
                    f"sladesk-api-token:{users[user_id].password}".encode()
                ).hexdigest(),
                created_at=created,
            )
            for key, user_id, created in rows
            if user_id in users
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM authtoken_token")


class Migration(migrations.Migration):
    dependencies = [("signin", "0001_initial")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
