"""Macros are edited in the desk: the owner edits a personal macro, admins edit shared ones
(`sladesk.macros.access`); a refused edit changes nothing and says why."""

from __future__ import annotations

import pytest

from sladesk.accounts.access import may_manage_owned
from sladesk.macros.access import may_manage, usable_macros
from sladesk.macros.models import Macro

pytestmark = pytest.mark.django_db


def _form(**changes):
    return {"name": "Restart", "body": "Please restart, {{ requester.name }}.", **changes}


def test_the_rule_personal_is_the_owners_shared_is_the_admins(ui):
    # a personal row: its owner only (an admin neither sees nor edits another's)
    assert may_manage_owned(ui.agent, ui.agent.pk)
    assert not may_manage_owned(ui.bob, ui.agent.pk)
    assert not may_manage_owned(ui.admin, ui.agent.pk)
    # a shared row: admins only
    assert may_manage_owned(ui.admin, None)
    assert not may_manage_owned(ui.agent, None)
    # contacts manage nothing, not even a row that names them
    contact = ui.acme_contact.user
    assert not may_manage_owned(contact, contact.pk) and not may_manage_owned(contact, None)
    shared = Macro.objects.create(name="S", body="x")
    assert list(usable_macros(contact)) == [] and not may_manage(contact, shared)


def test_the_owner_edits_a_personal_macro(client, ui):
    mine = Macro.objects.create(name="Restart", body="old", owner=ui.agent, tags="a")
    client.force_login(ui.agent)
    page = client.get(f"/desk/macros/{mine.pk}/").content.decode()
    assert 'value="Restart"' in page and ">old</textarea>" in page
    response = client.post(
        f"/desk/macros/{mine.pk}/", _form(status="pending", tags="restart", team=ui.team.pk)
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.body, mine.status, mine.tags, mine.team_id, mine.owner_id) == (
        "Please restart, {{ requester.name }}.",
        "pending",
        "restart",
        ui.team.pk,
        ui.agent.pk,
    )
    # the edit form shows the stored choices selected
    page = client.get(f"/desk/macros/{mine.pk}/").content.decode()
    assert f'<option value="{ui.team.pk}" selected>' in page
    assert '<option value="pending" selected>' in page


def test_others_cannot_edit_or_delete_and_agents_cannot_share(client, ui):
    bobs = Macro.objects.create(name="Bob's", body="b", owner=ui.bob)
    shared = Macro.objects.create(name="Shared", body="s")
    mine = Macro.objects.create(name="Mine", body="m", owner=ui.agent)
    client.force_login(ui.agent)
    # another agent's personal macro does not exist for alice
    assert client.get(f"/desk/macros/{bobs.pk}/").status_code == 404
    assert client.post(f"/desk/macros/{bobs.pk}/", _form()).status_code == 404
    # a shared one: she uses it but may not edit or delete it
    assert client.get(f"/desk/macros/{shared.pk}/").status_code == 403
    assert client.post(f"/desk/macros/{shared.pk}/", _form()).status_code == 403
    client.post(f"/desk/macros/{shared.pk}/delete/")
    # nor turn her own into a shared one
    page = client.post(f"/desk/macros/{mine.pk}/", _form(shared="on")).content.decode()
    assert "Only admins share macros." in page
    assert Macro.objects.get(pk=shared.pk).body == "s"
    assert Macro.objects.get(pk=mine.pk).owner_id == ui.agent.pk
    assert Macro.objects.get(pk=bobs.pk).body == "b"
    # the list offers Edit on her own only
    listing = client.get("/desk/macros/").content.decode()
    assert f'data-edit-macro="{mine.pk}"' in listing
    assert f'data-edit-macro="{shared.pk}"' not in listing


def test_an_admin_edits_shares_and_unshares(client, ui):
    shared = Macro.objects.create(name="Shared", body="s")
    client.force_login(ui.admin)
    client.post(f"/desk/macros/{shared.pk}/", _form(shared="on", tags="x"))
    shared.refresh_from_db()
    assert (shared.owner_id, shared.tags) == (None, "x")
    # un-sharing makes it the admin's own
    client.post(f"/desk/macros/{shared.pk}/", _form())
    shared.refresh_from_db()
    assert shared.owner_id == ui.admin.pk
    # and alice no longer sees it
    assert not usable_macros(ui.agent).filter(pk=shared.pk).exists()


def test_an_edit_with_an_unknown_placeholder_changes_nothing(client, ui):
    mine = Macro.objects.create(name="Restart", body="old", owner=ui.agent)
    client.force_login(ui.agent)
    page = client.post(f"/desk/macros/{mine.pk}/", _form(body="{{ ticket.secret }}"))
    assert "unknown placeholder ticket.secret" in page.content.decode()
    assert Macro.objects.get(pk=mine.pk).body == "old"
