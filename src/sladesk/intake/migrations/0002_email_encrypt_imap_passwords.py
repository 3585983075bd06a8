"""IMAP passwords encrypted at rest: the column becomes an `EncryptedTextField` and every
stored password (plain text until now) is rewritten encrypted. Reversing writes them back
as plain text."""

from django.db import migrations

import sladesk.core.secrets


def encrypt_existing(apps, schema_editor):
    mailbox = apps.get_model("intake", "ImapMailbox")
    for row in mailbox.objects.using(schema_editor.connection.alias).only("id", "password"):
        row.save(update_fields=["password"])  # read as plain text, written encrypted


def decrypt_existing(apps, schema_editor):
    mailbox = apps.get_model("intake", "ImapMailbox")
    table = schema_editor.quote_name(mailbox._meta.db_table)
    with schema_editor.connection.cursor() as cursor:
        for row in mailbox.objects.using(schema_editor.connection.alias).only("id", "password"):
            cursor.execute(
                f"UPDATE {table} SET password = %s WHERE id = %s", [row.password, row.pk]
            )


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="imapmailbox",
            name="password",
            field=sladesk.core.secrets.EncryptedTextField(
                blank=True, default="", help_text="stored encrypted (sladesk.core.secrets)"
            ),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
    ]
