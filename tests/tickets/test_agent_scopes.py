"""Agent scopes: an agent limited to organizations and/or teams sees nothing outside them —
API, desk, search, counts, mail pages, original emails, attachments — and gets 404 there.

``world`` (support.fixtures.api): Acme (particle-enterprise) and Globex (houseware), one ticket
each. ``olga`` is an agent scoped to Acme.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest


@pytest.fixture
def scoped(world: SimpleNamespace) -> SimpleNamespace:
    """Olga, an agent scoped to Acme; a file on each ticket; received mail of each kind."""
    from django.contrib.auth.models import User

    from sladesk.accounts.models import AgentProfile
    from sladesk.intake.models import InboundMessage, InboundState
    from sladesk.tickets import services
    from sladesk.tickets.models import Message

    olga = User.objects.create_user("olga", "olga@desk.example", "pw")
    AgentProfile.objects.create(user=olga).scope_organizations.set([world.acme])
    files = {}
    for name, ticket in (("acme", world.acme_ticket), ("globex", world.globex_ticket)):
        message = services.reply(
            ticket, author=world.agent, body="log", attachments=[(f"{name}.log", b"x", "")]
        )
        files[name] = message.attachments.get()
    originals = {}
    for name, ticket in (("acme", world.acme_ticket), ("globex", world.globex_ticket)):
        first = Message.objects.filter(ticket=ticket).order_by("id").first()
        originals[name] = InboundMessage.objects.create(
            raw=f"Subject: {name}\r\n\r\nbody".encode(),
            state=InboundState.TICKET,
            subject=name,
            organization=ticket.organization,
            ticket=ticket,
            ticket_message=first,
        )
    held = {
        name: InboundMessage.objects.create(
            raw=f"Subject: held {name}\r\n\r\nbody".encode(),
            state=InboundState.QUARANTINED,
            subject=f"held {name}",
            organization=org,
            reason="sender not accepted",
        )
        for name, org in (("acme", world.acme), ("globex", world.globex), ("unrouted", None))
    }
    return SimpleNamespace(olga=olga, files=files, originals=originals, held=held, **vars(world))


def _token_client(user: Any) -> Any:
    """An API client with a real token (the path that preloads the scope flags)."""
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


# ------------------------------------------------------------------------------ API
def test_api_lists_and_counts_only_the_scope(scoped):
    # given olga scoped to Acme
    api = _token_client(scoped.olga)
    # when she lists tickets, organizations and contacts
    tickets = api.get("/api/v1/tickets/").json()["results"]
    orgs = api.get("/api/v1/organizations/").json()["results"]
    contacts = api.get("/api/v1/contacts/").json()["results"]
    # then only Acme's rows are there, also when she filters on Globex
    assert [t["id"] for t in tickets] == [scoped.acme_ticket.pk]
    assert [o["id"] for o in orgs] == [scoped.acme.pk]
    assert {c["organization"] for c in contacts} == {scoped.acme.pk}
    assert api.get(f"/api/v1/tickets/?organization={scoped.globex.pk}").json()["results"] == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/tickets/{t}/", None),
        ("patch", "/api/v1/tickets/{t}/", {"subject": "mine now"}),
        ("post", "/api/v1/tickets/{t}/reply/", {"body": "hello"}),
        ("post", "/api/v1/tickets/{t}/note/", {"body": "hello"}),
        ("post", "/api/v1/tickets/{t}/solve/", {"reason": "done"}),
        ("post", "/api/v1/tickets/{t}/escalate/", {"reason": "why"}),
        ("get", "/api/v1/tickets/{t}/links/", None),
        ("get", "/api/v1/tickets/{t}/messages/{m}/email/", None),
        ("get", "/api/v1/organizations/{o}/", None),
        ("get", "/api/v1/contacts/{c}/", None),
    ],
)
def test_api_outside_the_scope_is_404(scoped, method, path, body):
    # given olga scoped to Acme, and Globex's rows
    api = _token_client(scoped.olga)
    url = path.format(
        t=scoped.globex_ticket.pk,
        m=scoped.originals["globex"].ticket_message_id,
        o=scoped.globex.pk,
        c=scoped.globex_contact.pk,
    )
    # when she asks for one of them
    response = getattr(api, method)(url, body, format="json") if body else getattr(api, method)(url)
    # then it does not exist for her, and nothing changed
    assert response.status_code == 404, response.content
    scoped.globex_ticket.refresh_from_db()
    assert (
        scoped.globex_ticket.subject == "Dashboard blank"
        and scoped.globex_ticket.status != "solved"
    )


def test_api_inside_the_scope_works(scoped):
    api = _token_client(scoped.olga)
    assert api.get(f"/api/v1/tickets/{scoped.acme_ticket.pk}/").status_code == 200
    assert (
        api.post(
            f"/api/v1/tickets/{scoped.acme_ticket.pk}/note/", {"body": "mine"}, format="json"
        ).status_code
        == 201
    )


def test_api_an_agent_cannot_open_or_link_tickets_outside_the_scope(scoped):
    # given olga scoped to Acme
    api = _token_client(scoped.olga)
    # when she opens a ticket for Globex, and links Acme's ticket to Globex's
    opened = api.post(
        "/api/v1/tickets/",
        {
            "organization": scoped.globex.pk,
            "requester": "kim@globex.example",
            "subject": "s",
            "description": "d",
        },
        format="json",
    )
    linked = api.post(
        f"/api/v1/tickets/{scoped.acme_ticket.pk}/links/",
        {"ticket": scoped.globex_ticket.pk},
        format="json",
    )
    # then both are refused as if Globex and its ticket did not exist
    assert opened.status_code == 400 and "no organization" in str(opened.json())
    assert linked.status_code == 400 and "no ticket" in str(linked.json())


def test_api_related_tickets_outside_the_scope_are_not_named(scoped):
    # given Acme's ticket linked to Globex's by an unscoped agent
    from sladesk.tickets import services

    services.link(scoped.acme_ticket, scoped.globex_ticket, actor=scoped.agent)
    # when olga and the unscoped agent read the links
    hers = _token_client(scoped.olga).get(f"/api/v1/tickets/{scoped.acme_ticket.pk}/links/").json()
    theirs = (
        _token_client(scoped.agent).get(f"/api/v1/tickets/{scoped.acme_ticket.pk}/links/").json()
    )
    # then only the unscoped agent sees Globex's ticket
    assert hers == [] and [r["ticket"] for r in theirs] == [scoped.globex_ticket.pk]


def test_admins_see_everything_whatever_their_profile_says(scoped):
    # given an admin whose agent profile is scoped to Acme
    from sladesk.accounts.models import AgentProfile

    AgentProfile.objects.create(user=scoped.admin).scope_organizations.set([scoped.acme])
    # when the admin lists tickets
    found = _token_client(scoped.admin).get("/api/v1/tickets/").json()["results"]
    # then Globex's ticket is there too
    assert {t["id"] for t in found} == {scoped.acme_ticket.pk, scoped.globex_ticket.pk}


def test_team_scope_shows_only_tickets_dispatched_to_those_teams(scoped):
    # given olga scoped to the team only, and Globex's ticket dispatched to it
    from sladesk.tickets import services

    profile = scoped.olga.agent_profile
    profile.scope_organizations.clear()
    profile.scope_teams.set([scoped.team])
    services.assign(scoped.globex_ticket, team=scoped.team, actor=scoped.agent)
    api = _token_client(scoped.olga)
    # when she lists tickets and opens Acme's (no team)
    found = [t["id"] for t in api.get("/api/v1/tickets/").json()["results"]]
    acme = api.get(f"/api/v1/tickets/{scoped.acme_ticket.pk}/")
    # then only the dispatched ticket is hers
    assert found == [scoped.globex_ticket.pk] and acme.status_code == 404


def test_scope_fields_on_the_agent_endpoints_are_admin_writable_only(scoped):
    # given the admin and olga
    admin, olga = _token_client(scoped.admin), _token_client(scoped.olga)
    url = f"/api/v1/agents/{scoped.olga.pk}/"
    # when olga tries to widen her own scope, and the admin moves it to Globex
    refused = olga.patch(url, {"scope_organizations": []}, format="json")
    moved = admin.patch(
        url,
        {"scope_organizations": [scoped.globex.pk], "scope_teams": [scoped.team.pk]},
        format="json",
    )
    # then olga's attempt is 403, the admin's is stored and shown
    assert refused.status_code == 403
    assert moved.status_code == 200, moved.content
    assert (moved.json()["scope_organizations"], moved.json()["scope_teams"]) == (
        [scoped.globex.pk],
        [scoped.team.pk],
    )
    assert olga.get(url).json()["scope_organizations"] == [scoped.globex.pk]


def test_an_admin_creates_a_scoped_agent_through_the_api(scoped):
    created = _token_client(scoped.admin).post(
        "/api/v1/agents/",
        {
            "username": "sid",
            "scope_organizations": [scoped.acme.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    from sladesk.accounts.models import AgentProfile

    assert list(
        AgentProfile.objects.get(user_id=created.json()["id"]).scope_organizations.all()
    ) == [scoped.acme]


def test_a_page_of_a_ticket_outside_the_scope_cannot_be_acknowledged(scoped):
    # given an open page about Globex's ticket
    from sladesk.notify.models import Page

    page = Page.objects.create(ticket=scoped.globex_ticket, reason="P1 opened")
    # when olga acknowledges it through the API
    by_api = _token_client(scoped.olga).post(f"/api/v1/pages/{page.pk}/ack/")
    # then it does not exist for her and stays triggered
    assert by_api.status_code == 404
    page.refresh_from_db()
    assert page.state == "triggered"


# ------------------------------------------------------------------------------ desk
def test_desk_inbox_search_and_counts_hold_only_the_scope(scoped, client):
    # given olga signed in to the desk
    client.force_login(scoped.olga)
    # when she opens the inbox, and searches for Globex's ticket by number
    page = client.get("/desk/")
    search = client.get(f"/desk/?q={scoped.globex_ticket.pk}")
    # then only Acme's ticket is listed and counted, and the filter offers only Acme
    assert [r.ticket.pk for r in page.context["rows"]] == [scoped.acme_ticket.pk]
    assert dict((key, n) for key, _, n in page.context["views"])["all"] == 1
    assert [o.pk for o in page.context["organizations"]] == [scoped.acme.pk]
    assert search.context["rows"] == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/desk/tickets/{t}/"),
        ("get", "/desk/tickets/{t}/clocks/"),
        ("post", "/desk/tickets/{t}/message/"),
        ("post", "/desk/tickets/{t}/presence/"),
        ("get", "/desk/messages/{m}/email/"),
        ("get", "/desk/messages/{m}/email.eml"),
        ("get", "/desk/attachments/{a}/"),
        ("get", "/desk/mail/{h}/raw/"),
        ("post", "/desk/mail/{h}/retry/"),
        ("post", "/desk/mail/{h}/accept/"),
        ("get", "/desk/mail/{u}/raw/"),
    ],
)
def test_desk_and_mail_pages_outside_the_scope_are_404(scoped, client, method, path):
    # given olga signed in, and Globex's ticket, message, file and mail (and unrouted mail)
    client.force_login(scoped.olga)
    url = path.format(
        t=scoped.globex_ticket.pk,
        m=scoped.originals["globex"].ticket_message_id,
        a=scoped.files["globex"].pk,
        h=scoped.held["globex"].pk,
        u=scoped.held["unrouted"].pk,
    )
    # when she asks for it
    response = getattr(client, method)(
        url, {"body": "x", "kind": "reply"} if method == "post" else None
    )
    # then it does not exist for her
    assert response.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/desk/tickets/{t}/",
        "/desk/messages/{m}/email/",
        "/desk/messages/{m}/email.eml",
        "/desk/attachments/{a}/",
        "/desk/mail/{h}/raw/",
    ],
)
def test_desk_and_mail_pages_inside_the_scope_work(scoped, client, path):
    client.force_login(scoped.olga)
    url = path.format(
        t=scoped.acme_ticket.pk,
        m=scoped.originals["acme"].ticket_message_id,
        a=scoped.files["acme"].pk,
        h=scoped.held["acme"].pk,
    )
    assert client.get(url).status_code == 200


def test_quarantine_shows_scoped_agents_their_organizations_mail_and_unrouted_mail_to_unscoped_only(
    scoped, client
):
    # given olga (Acme) and the unscoped agent
    client.force_login(scoped.olga)
    hers = {r["subject"] for r in client.get("/desk/mail/quarantine/").context["rows"]}
    client.force_login(scoped.agent)
    theirs = {r["subject"] for r in client.get("/desk/mail/quarantine/").context["rows"]}
    # then olga sees Acme's held mail only; the unscoped agent sees all, unrouted included
    assert hers == {"held acme"}
    assert theirs == {"held acme", "held globex", "held unrouted"}


def test_accepting_mail_into_an_organization_outside_the_scope_is_404(scoped, client):
    # given olga and Acme's held mail
    client.force_login(scoped.olga)
    # when she accepts it into Globex
    response = client.post(
        f"/desk/mail/{scoped.held['acme'].pk}/accept/", {"organization": scoped.globex.pk}
    )
    # then Globex does not exist for her and the mail stays held
    assert response.status_code == 404
    scoped.held["acme"].refresh_from_db()
    assert scoped.held["acme"].state == "quarantined"


def test_the_desk_ticket_page_does_not_name_related_tickets_outside_the_scope(scoped, client):
    from sladesk.tickets import services

    services.link(scoped.acme_ticket, scoped.globex_ticket, actor=scoped.agent)
    client.force_login(scoped.olga)
    page = client.get(f"/desk/tickets/{scoped.acme_ticket.pk}/")
    assert page.context["related"] == [] and "Dashboard blank" not in page.content.decode()


# ------------------------------------------------------------------------------ portal, admin
def test_a_contact_cannot_download_another_organizations_file(scoped, client):
    client.force_login(scoped.acme_contact.user)
    assert client.get(f"/portal/attachments/{scoped.files['globex'].pk}/").status_code == 404
    assert client.get(f"/portal/attachments/{scoped.files['acme'].pk}/").status_code == 200


def test_the_django_admin_edits_the_scope(scoped, client):
    # given the admin on olga's profile page (scoped to Acme)
    from sladesk.accounts.models import AgentScopeOrganization

    client.force_login(scoped.admin)
    profile = scoped.olga.agent_profile
    url = f"/admin/accounts/agentprofile/{profile.pk}/change/"
    form = client.get(url)
    assert form.status_code == 200 and "Scope: only these organizations" in form.content.decode()
    # when the admin moves her scope from Acme to Globex
    row = AgentScopeOrganization.objects.get(agent=profile)
    saved = client.post(
        url,
        {
            "user": scoped.olga.pk,
            "timezone": "UTC",
            "agentscopeorganization_set-TOTAL_FORMS": 1,
            "agentscopeorganization_set-INITIAL_FORMS": 1,
            "agentscopeorganization_set-0-id": row.pk,
            "agentscopeorganization_set-0-agent": profile.pk,
            "agentscopeorganization_set-0-organization": scoped.globex.pk,
            "agentscopeteam_set-TOTAL_FORMS": 0,
            "agentscopeteam_set-INITIAL_FORMS": 0,
        },
    )
    # then it is stored
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert list(profile.scope_organizations.all()) == [scoped.globex]


def test_an_organization_or_team_limiting_a_scope_cannot_be_deleted(scoped):
    # given olga scoped to Acme and to the team
    from django.db.models import ProtectedError

    scoped.olga.agent_profile.scope_teams.set([scoped.team])
    # when the team or Acme is deleted, then it is refused (else her scope would silently widen)
    with pytest.raises(ProtectedError):
        scoped.team.delete()
    with pytest.raises(ProtectedError):
        scoped.acme.delete()


def test_the_demo_scoped_agent_sees_only_the_freistilbox_customers(db, frozen_now):
    # given the demo desk
    from django.contrib.auth.models import User

    from sladesk.demo import data
    from sladesk.tickets import access

    data.load()
    dana = User.objects.get(username="dana")
    # then dana's tickets are the freistilbox customers' ones, and there are some
    seen = access.visible_tickets(dana)
    assert seen.exists()
    assert set(seen.values_list("organization__slug", flat=True)) == {"webwerk", "shopfabrik"}
