"""Saved views are edited in the desk: name, view, filters and sort by the owner of a
personal view, by admins for a shared one (`sladesk.desk.access`)."""

from __future__ import annotations

import pytest

from sladesk.desk.access import may_manage_view, usable_views
from sladesk.desk.models import SavedView

pytestmark = pytest.mark.django_db


def _form(**changes):
    return {"name": "Acme P1", "view": "breached", "sort": "newest", **changes}


def test_the_owner_edits_name_view_filters_and_sort(client, ui):
    mine = SavedView.objects.create(name="Mine", owner=ui.agent, query={"view": "mine"})
    client.force_login(ui.agent)
    page = client.get(f"/desk/views/{mine.pk}/edit/").content.decode()
    assert 'value="Mine"' in page and '<option value="mine" selected>' in page
    assert "Shared with every agent" not in page  # agents do not share
    response = client.post(
        f"/desk/views/{mine.pk}/edit/",
        _form(organization=ui.acme.pk, priority="P1", q="reconnect*", shared="on"),
    )
    mine.refresh_from_db()
    assert mine.name == "Acme P1" and mine.owner_id == ui.agent.pk
    assert mine.query == {
        "view": "breached",
        "organization": str(ui.acme.pk),
        "priority": "P1",
        "q": "reconnect*",
        "sort": "newest",
    }
    # and the answer is the edited view in the inbox
    assert response.status_code == 302 and response["Location"].startswith("/desk/?view=breached")
    listing = client.get(response["Location"]).content.decode()
    assert f'data-edit-view="{mine.pk}"' in listing and "Acme P1" in listing


def test_values_the_inbox_does_not_know_are_refused(client, ui):
    mine = SavedView.objects.create(name="Mine", owner=ui.agent, query={"view": "mine"})
    client.force_login(ui.agent)
    page = client.post(
        f"/desk/views/{mine.pk}/edit/", _form(view="everything", organization="999999")
    ).content.decode()
    assert "Select a valid choice. everything is not one of the available choices." in page
    assert "Select a valid choice. 999999 is not one of the available choices." in page
    mine.refresh_from_db()
    assert (mine.name, mine.query) == ("Mine", {"view": "mine"})


def test_shared_views_are_edited_by_admins_only(client, ui):
    shared = SavedView.objects.create(name="Everyone", owner=None, query={"view": "all"})
    bobs = SavedView.objects.create(name="Bob's", owner=ui.bob, query={"view": "mine"})
    assert not may_manage_view(ui.agent, shared) and may_manage_view(ui.admin, shared)
    assert not may_manage_view(ui.admin, bobs) and may_manage_view(ui.bob, bobs)
    client.force_login(ui.agent)
    assert client.get(f"/desk/views/{shared.pk}/edit/").status_code == 403
    assert client.post(f"/desk/views/{shared.pk}/edit/", _form()).status_code == 403
    assert client.get(f"/desk/views/{bobs.pk}/edit/").status_code == 404
    listing = client.get("/desk/").content.decode()
    assert f'data-edit-view="{shared.pk}"' not in listing
    # an admin edits it and keeps it shared, then un-shares it (it becomes theirs)
    client.force_login(ui.admin)
    client.post(f"/desk/views/{shared.pk}/edit/", _form(shared="on"))
    shared.refresh_from_db()
    assert (shared.name, shared.owner_id) == ("Acme P1", None)
    assert usable_views(ui.agent).filter(pk=shared.pk).exists()
    client.post(f"/desk/views/{shared.pk}/edit/", _form())
    shared.refresh_from_db()
    assert shared.owner_id == ui.admin.pk
    assert not usable_views(ui.agent).filter(pk=shared.pk).exists()
