"""IMAP passwords are encrypted at rest, migrated from plain text, and never shown."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from sladesk.core.secrets import PREFIX, decrypt, encrypt
from sladesk.intake.models import ImapMailbox


def _stored(pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM intake_imapmailbox WHERE id = %s", [pk])
        return str(cursor.fetchone()[0])


@pytest.mark.django_db
def test_the_database_holds_a_token_and_the_code_the_password():
    # given a mailbox saved with a password
    box = ImapMailbox.objects.create(
        name="billing", host="imap.example.com", username="u", password="s3cret-pw"
    )
    # then the column holds a Fernet token, not the password; reading gives the password
    stored = _stored(box.pk)
    assert stored.startswith(PREFIX) and "s3cret-pw" not in stored
    assert ImapMailbox.objects.get(pk=box.pk).password == "s3cret-pw"
    # and an update through the queryset is encrypted too
    ImapMailbox.objects.filter(pk=box.pk).update(password="other-pw")
    assert (
        _stored(box.pk).startswith(PREFIX)
        and ImapMailbox.objects.get(pk=box.pk).password == "other-pw"
    )


def test_a_changed_secret_reads_as_blank_not_as_garbage(settings):
    token = encrypt("s3cret-pw")
    settings.SLADESK_SECRET = "another-secret"
    assert decrypt(token) == ""
    assert decrypt("plain-from-before") == "plain-from-before"


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_passwords_stored_as_plain_text():
    # given the schema before encryption with a plain-text password in it
    executor = MigrationExecutor(connection)
    executor.migrate([("intake", "0001_initial")])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO intake_imapmailbox (name, host, port, ssl, username, password, folder,"
            " processed_folder, recipient, enabled, last_error)"
            " VALUES ('old', 'h', 993, %s, 'u', 'plain-pw', 'INBOX', '', '', %s, '')",
            [True, True],
        )
    # when migrating forward
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    # then the password is stored encrypted and reads as before
    box = ImapMailbox.objects.get(name="old")
    assert _stored(box.pk).startswith(PREFIX) and "plain-pw" not in _stored(box.pk)
    assert box.password == "plain-pw"
    # and migrating back writes plain text again
    executor = MigrationExecutor(connection)
    executor.migrate([("intake", "0001_initial")])
    assert _stored(box.pk) == "plain-pw"
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db
def test_the_admin_never_shows_the_password_and_blank_keeps_it(client):
    # given a mailbox and an admin
    box = ImapMailbox.objects.create(
        name="billing", host="imap.example.com", username="u", password="s3cret-pw"
    )
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))
    url = f"/admin/intake/imapmailbox/{box.pk}/change/"
    # when the change form is shown, neither the password nor its token is in it
    page = client.get(url)
    assert page.status_code == 200
    assert b"s3cret-pw" not in page.content and PREFIX.encode() not in page.content
    # when saved with the password left blank, it stays
    form = {
        "name": "billing",
        "host": "imap.example.com",
        "port": "993",
        "ssl": "on",
        "username": "u",
        "password": "",
        "folder": "INBOX",
        "processed_folder": "",
        "recipient": "",
        "enabled": "on",
    }
    assert client.post(url, form).status_code == 302
    assert ImapMailbox.objects.get(pk=box.pk).password == "s3cret-pw"
    # when a new one is entered, it replaces the old one (encrypted)
    assert client.post(url, {**form, "password": "new-pw"}).status_code == 302
    assert ImapMailbox.objects.get(pk=box.pk).password == "new-pw" and _stored(box.pk).startswith(
        PREFIX
    )
    # and the list page does not show it either
    assert b"new-pw" not in client.get("/admin/intake/imapmailbox/").content
