"""Saved inbox views: filters and sort under a name, personal and shared, with counts."""

from __future__ import annotations

import re

import pytest

from sladesk.desk.models import SavedView
from sladesk.tickets import services

pytestmark = pytest.mark.django_db


def _count(html: str, pk: int) -> int:
    return int(
        re.search(rf'data-saved-view="{pk}">.*?<span class="count">(\d+)</span>', html, re.S).group(
            1
        )
    )


def test_an_agent_saves_the_current_filters_and_sees_the_view_with_its_count(client, ui):
    # given two Acme tickets, one P1
    down = services.open_ticket(
        organization=ui.acme,
        requester=ui.acme_contact,
        subject="Down",
        description="x",
        priority="P1",
    )
    client.force_login(ui.agent)
    # when alice saves "all, organization Acme, newest first"
    response = client.post(
        "/desk/views/save/",
        {
            "name": "Acme newest",
            "view": "all",
            "organization": ui.acme.pk,
            "sort": "newest",
            "evil": "x",
        },
    )
    saved = SavedView.objects.get()
    assert saved.owner_id == ui.agent.pk
    assert saved.query == {"view": "all", "organization": str(ui.acme.pk), "sort": "newest"}
    # then the inbox lists it with its count, and its link shows Acme's tickets newest first
    page = client.get(response["Location"]).content.decode()
    assert _count(page, saved.pk) == 2 and "Sorted by newest" in page
    assert page.index(f"#{down.pk} Down") < page.index(f"#{ui.acme_ticket.pk} Cellular")
    assert "Dashboards slow" not in page.split("<tbody>")[1]


def test_personal_views_are_private_and_shared_views_are_for_admins_to_add(client, ui):
    client.force_login(ui.bob)
    client.post("/desk/views/save/", {"name": "Bob's", "view": "mine"})
    page = client.post(
        "/desk/views/save/", {"name": "Everyone", "view": "breached", "shared": "on"}, follow=True
    )
    assert "Only admins share views." in page.content.decode()
    client.force_login(ui.agent)
    assert "Bob&#x27;s" not in client.get("/desk/").content.decode()
    bobs = SavedView.objects.get(name="Bob's")
    assert client.post(f"/desk/views/{bobs.pk}/delete/").status_code == 404
    client.force_login(ui.admin)
    client.post("/desk/views/save/", {"name": "Everyone", "view": "all", "shared": "on"})
    shared = SavedView.objects.get(name="Everyone")
    assert shared.owner_id is None
    client.force_login(ui.agent)
    assert "Everyone" in client.get("/desk/").content.decode()
    client.post(f"/desk/views/{shared.pk}/delete/")
    assert SavedView.objects.filter(pk=shared.pk).exists()


def test_a_shared_view_counts_each_agents_own_scope(client, ui):
    from sladesk.accounts.models import AgentProfile

    shared = SavedView.objects.create(name="All", owner=None, query={"view": "all"})
    AgentProfile.objects.get(user=ui.bob).scope_organizations.add(ui.bright)
    client.force_login(ui.agent)
    assert _count(client.get("/desk/").content.decode(), shared.pk) == 2
    client.force_login(ui.bob)
    assert _count(client.get("/desk/").content.decode(), shared.pk) == 1


def test_a_view_needs_a_name(client, ui):
    client.force_login(ui.agent)
    page = client.post("/desk/views/save/", {"name": " ", "view": "all"}, follow=True)
    assert "Give the view a name." in page.content.decode() and not SavedView.objects.exists()
