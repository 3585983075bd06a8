"""Macros in the API: list the usable ones, add, change and delete (personal: the owner;
shared: admins), preview, and apply one to a ticket through the same services as the desk."""

from __future__ import annotations

import pytest

from sladesk.macros.models import Macro
from sladesk.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db


def test_the_list_holds_the_shared_macros_and_the_callers_own(world, client_for):
    from django.contrib.auth.models import User

    from sladesk.accounts.models import AgentProfile

    bob = User.objects.create_user("bob", "bob@desk.example", "pw")
    AgentProfile.objects.create(user=bob)
    mine = Macro.objects.create(name="Mine", body="m", owner=world.agent)
    Macro.objects.create(name="Bob's", body="b", owner=bob)
    answer = client_for(world.agent).get("/api/v1/macros/").json()
    rows = {m["name"]: m for m in answer["results"]}
    assert sorted(rows) == ["Mine", "Thanks"] and answer["next"] is None
    assert rows["Thanks"] == {
        "id": world.macro.pk,
        "name": "Thanks",
        "shared": True,
        "owner": None,
        "body": "Thanks, {{ requester.name }}.",
        "tags": ["thanked"],
        "team": None,
        "assignee": None,
        "assign_to_me": False,
        "priority": "",
        "priority_reason": "",
        "status": "",
        "may_edit": False,
    }
    assert (rows["Mine"]["shared"], rows["Mine"]["owner"], rows["Mine"]["may_edit"]) == (
        False,
        world.agent.pk,
        True,
    )
    # another agent's personal macro does not exist for the caller
    bobs = Macro.objects.get(name="Bob's")
    assert client_for(world.agent).get(f"/api/v1/macros/{bobs.pk}/").status_code == 404
    assert client_for(world.agent).get(f"/api/v1/macros/{mine.pk}/").status_code == 200


def test_an_agent_adds_edits_and_deletes_a_personal_macro(world, client_for):
    api = client_for(world.agent)
    created = api.post(
        "/api/v1/macros/",
        {
            "name": "Wait",
            "body": "Hi {{ requester.name }}",
            "tags": ["waiting", "logs"],
            "status": "pending",
            "team": world.team.pk,
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    macro = Macro.objects.get(pk=created.json()["id"])
    assert (macro.owner_id, macro.tags, macro.status, macro.team_id) == (
        world.agent.pk,
        "waiting, logs",
        "pending",
        world.team.pk,
    )
    changed = api.patch(f"/api/v1/macros/{macro.pk}/", {"status": "", "tags": []}, format="json")
    assert changed.status_code == 200 and changed.json()["tags"] == []
    macro.refresh_from_db()
    assert (macro.status, macro.tags, macro.body) == ("", "", "Hi {{ requester.name }}")
    assert api.delete(f"/api/v1/macros/{macro.pk}/").status_code == 204
    assert not Macro.objects.filter(pk=macro.pk).exists()


def test_only_admins_share_or_change_shared_macros(world, client_for):
    agent, admin = client_for(world.agent), client_for(world.admin)
    refused = agent.post(
        "/api/v1/macros/", {"name": "All", "body": "x", "shared": True}, format="json"
    )
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "Only admins share macros."
    assert not Macro.objects.filter(name="All").exists()
    assert (
        agent.patch(f"/api/v1/macros/{world.macro.pk}/", {"body": "y"}, format="json").status_code
        == 403
    )
    assert Macro.objects.get(pk=world.macro.pk).body == "Thanks, {{ requester.name }}."
    shared = admin.post(
        "/api/v1/macros/", {"name": "All", "body": "x", "shared": True}, format="json"
    )
    assert shared.status_code == 201 and shared.json()["shared"] is True
    assert Macro.objects.get(name="All").owner_id is None
    # an admin un-shares one: it becomes the admin's own
    admin.patch(f"/api/v1/macros/{world.macro.pk}/", {"shared": False}, format="json")
    assert Macro.objects.get(pk=world.macro.pk).owner_id == world.admin.pk


def test_every_problem_of_a_macro_is_named_at_once(world, client_for):
    answer = client_for(world.agent).post(
        "/api/v1/macros/",
        {"name": "Bad", "body": "{{ ticket.secret }}", "priority": "P1", "status": "lost"},
        format="json",
    )
    assert answer.status_code == 400
    fields = answer.json()["error"]["fields"]
    assert "unknown placeholder ticket.secret" in fields["body"][0]
    assert '"lost" is not a valid choice.' in fields["status"][0]
    # the placeholder and the reason checks run together once the status is valid
    answer = client_for(world.agent).post(
        "/api/v1/macros/",
        {"name": "Bad", "body": "{{ ticket.secret }}", "priority": "P1"},
        format="json",
    )
    fields = answer.json()["error"]["fields"]
    assert "unknown placeholder ticket.secret" in fields["body"][0]
    assert fields["priority_reason"] == ["A priority change needs a reason (the customer is told)."]
    empty = client_for(world.agent).post("/api/v1/macros/", {"name": "Nothing"}, format="json")
    assert empty.json()["error"]["message"].endswith(
        "A macro needs a reply text or at least one change."
    )
    assert not Macro.objects.filter(owner=world.agent).exists()


def test_preview_then_apply_a_macro_to_a_ticket(world, client_for):
    api = client_for(world.agent)
    ticket = world.acme_ticket
    name = world.acme_contact.name or world.acme_contact.email
    preview = api.get(f"/api/v1/macros/{world.macro.pk}/preview/?ticket={ticket.pk}").json()
    assert preview == {
        "macro": world.macro.pk,
        "ticket": ticket.pk,
        "reply": f"Thanks, {name}.",
        "changes": ["add tags thanked"],
    }
    assert not Message.objects.filter(ticket=ticket, body_text=f"Thanks, {name}.").exists()
    applied = api.post(
        f"/api/v1/tickets/{ticket.pk}/apply-macro/", {"macro": world.macro.pk}, format="json"
    )
    assert applied.status_code == 200
    body = applied.json()
    assert body["id"] == ticket.pk and "thanked" in body["tags"]
    assert body["messages"][-1]["body_text"] == f"Thanks, {name}."
    assert Message.objects.filter(
        ticket=ticket, public=True, author_user=world.agent, body_text=f"Thanks, {name}."
    ).exists()


def test_apply_names_a_missing_macro_and_a_refusal_changes_nothing(world, client_for):
    from sladesk.tickets import services

    api = client_for(world.agent)
    ticket = world.acme_ticket
    missing = api.post(
        f"/api/v1/tickets/{ticket.pk}/apply-macro/", {"macro": 999999}, format="json"
    )
    assert missing.status_code == 400
    assert missing.json()["error"]["fields"] == {"macro": ["there is no macro 999999"]}
    wait = Macro.objects.create(name="Wait", body="We wait.", status="pending", tags="waiting")
    services.solve(ticket, actor=world.agent)
    services.close(ticket, actor=world.agent)
    before = Message.objects.filter(ticket=ticket).count()
    refused = api.post(
        f"/api/v1/tickets/{ticket.pk}/apply-macro/", {"macro": wait.pk}, format="json"
    )
    assert refused.status_code == 409
    assert "a closed ticket cannot become pending" in refused.json()["error"]["message"]
    assert Message.objects.filter(ticket=ticket).count() == before
    assert "waiting" not in Ticket.objects.get(pk=ticket.pk).tags.values_list("name", flat=True)


def test_macro_list_query_count(world, client_for, query_count):
    for i in range(5):
        Macro.objects.create(name=f"M{i}", body="x", owner=world.agent if i % 2 else None)
    api = client_for(world.agent)
    with query_count("macro list, 6 macros"):
        assert len(api.get("/api/v1/macros/").json()["results"]) == 6


def test_a_priority_the_policy_does_not_know_is_a_400_and_changes_nothing(world, client_for):
    odd = Macro.objects.create(name="Odd", body="Raised.", priority="Sev9", priority_reason="x")
    answer = client_for(world.agent).post(
        f"/api/v1/tickets/{world.acme_ticket.pk}/apply-macro/", {"macro": odd.pk}, format="json"
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "unknown_priority"
    assert not Message.objects.filter(ticket=world.acme_ticket, body_text="Raised.").exists()
