"""Files through the REST API: ``multipart/form-data`` on reply, note and create, stored by
the same services with the same size limit; a contact never reaches another
organization's ticket (404)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sladesk.tickets.models import Attachment, Message

pytestmark = pytest.mark.django_db


def _file(name: str, data: bytes = b"log line\n", kind: str = "text/plain") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=kind)


@pytest.mark.parametrize("who", ["agent", "contact"])
def test_a_reply_with_files_stores_them_on_the_message(world, client_for, who):
    # given the Acme ticket and an agent or Acme's contact
    api = client_for(world.users[who])
    # when they reply with two files as multipart/form-data
    response = api.post(
        f"/api/v1/tickets/{world.acme_ticket.pk}/reply/",
        {
            "body": "logs attached",
            "files": [_file("a.log"), _file("b.png", b"\x89PNG", "image/png")],
        },
        format="multipart",
    )
    # then the message has both, as the service stored them, and the answer lists them
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["id"])
    assert sorted(a.filename for a in message.attachments.all()) == ["a.log", "b.png"]
    assert sorted(a["filename"] for a in response.json()["attachments"]) == ["a.log", "b.png"]
    assert message.ticket.events.filter(kind="attachment").count() == 1


def test_a_note_with_a_file_by_an_agent(world, client_for):
    response = client_for(world.agent).post(
        f"/api/v1/tickets/{world.acme_ticket.pk}/note/",
        {"body": "trace", "files": [_file("trace.bin", b"\x00\x01", "application/octet-stream")]},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    note = Message.objects.get(pk=response.json()["id"])
    assert (note.public, note.attachments.get().filename) == (False, "trace.bin")


@pytest.mark.parametrize("who", ["agent", "contact"])
def test_opening_a_ticket_with_files_attaches_them_to_the_description(world, client_for, who):
    # given an agent (naming organization and requester) or Acme's contact
    fields = (
        {"organization": world.acme.pk, "requester": "pat@acme.example"} if who == "agent" else {}
    )
    # when they open a ticket as multipart/form-data with a file and custom fields as JSON text
    response = client_for(world.users[who]).post(
        "/api/v1/tickets/",
        {
            "subject": "Screen blank",
            "description": "see screenshot",
            "priority": "P3",
            "custom_fields": '{"environment": "production"}',
            "files": [_file("screen.png", b"\x89PNG", "image/png")],
            **fields,
        },
        format="multipart",
    )
    # then the description carries the file, shown in the answer
    assert response.status_code == 201, response.content
    body = response.json()
    [description] = body["messages"]
    assert [a["filename"] for a in description["attachments"]] == ["screen.png"]
    assert Attachment.objects.get(message_id=description["id"]).size == 4


def test_a_contact_cannot_attach_to_another_organizations_ticket(world, client_for):
    # when Acme's contact posts a file to Globex's ticket
    response = client_for(world.acme_contact.user).post(
        f"/api/v1/tickets/{world.globex_ticket.pk}/reply/",
        {"body": "mine?", "files": [_file("x.log")]},
        format="multipart",
    )
    # then it is 404 (never 403) and nothing is stored
    assert response.status_code == 404
    assert not Attachment.objects.exists()


def test_a_file_over_the_limit_is_400_and_nothing_is_stored(world, client_for, monkeypatch):
    # given a 4-byte limit
    from sladesk.tickets.services import attachments

    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", 4)
    before = Message.objects.count()
    # when an agent replies with a 5-byte file
    response = client_for(world.agent).post(
        f"/api/v1/tickets/{world.acme_ticket.pk}/reply/",
        {"body": "big", "files": [_file("big.log", b"12345")]},
        format="multipart",
    )
    # then the service's refusal is a 400 naming the file, and no message was written
    assert response.status_code == 400
    assert "big.log" in response.json()["error"]["message"]
    assert Message.objects.count() == before and not Attachment.objects.exists()


def test_the_schema_documents_files_as_multipart_binary(client_for, db):
    # when the OpenAPI schema is read
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.settings import patched_settings

    from sladesk.api.drf_settings import SPECTACULAR

    with patched_settings(SPECTACULAR):  # as the schema view serves it
        schema = SchemaGenerator().get_schema(request=None, public=True)
    # then reply, note and create take multipart/form-data with files: an array of binary
    for path in ("/api/v1/tickets/{id}/reply/", "/api/v1/tickets/{id}/note/", "/api/v1/tickets/"):
        content = schema["paths"][path]["post"]["requestBody"]["content"]
        assert "multipart/form-data" in content, path
        ref = content["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
        files = schema["components"]["schemas"][ref]["properties"]["files"]
        assert files["type"] == "array" and files["items"]["format"] == "binary", path
