"""The ticket API's contract: auth, filters, cursor pagination, errors and query counts."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from support.api import T, due_of

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------ auth
def test_token_round_trip(world):
    anonymous = APIClient()

    response = anonymous.post(
        "/api/v1/auth/token/", {"username": "alice", "password": "pw"}, format="json"
    )

    assert response.status_code == 200
    token = response.json()["token"]
    anonymous.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert anonymous.get("/api/v1/tickets/").status_code == 200


def test_token_with_a_wrong_password_is_400_with_a_message(world):
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "alice", "password": "nope"}, format="json"
    )

    assert response.status_code == 400
    assert "Unable to log in" in response.json()["error"]["message"]


def test_a_bad_token_is_401(world):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token not-a-token")

    response = api.get("/api/v1/tickets/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == "Token"


def test_session_login_works_for_the_web(world):
    api = APIClient()
    assert api.login(username="alice", password="pw")

    assert api.get(f"/api/v1/tickets/{world.acme_ticket.pk}/").status_code == 200


# ------------------------------------------------------------------------------ filters
@pytest.fixture
def spread(world, frozen_now, client_for):
    """Four more Acme tickets: P1 (due in 1 h), P4, an assigned P3 tagged, a solved P2."""
    from sladesk.tickets import services

    def new(priority, **kw):
        return services.open_ticket(
            organization=world.acme,
            requester=world.acme_contact,
            subject=f"{priority} ticket",
            description="d",
            priority=priority,
            **kw,
        )

    p1, p4, p3, solved = new("P1"), new("P4"), new("P3", tags=["firmware"]), new("P2")
    services.assign(p3, team=world.team, assignee=world.agent, actor=world.agent)
    services.solve(solved, actor=world.agent)
    return {"p1": p1, "p4": p4, "p3": p3, "solved": solved}


def ids(response):
    assert response.status_code == 200, response.json()
    return [t["id"] for t in response.json()["results"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "solved"}, ["solved"]),
        ({"priority": "P1"}, ["p1"]),
        ({"team": "{team}"}, ["p3"]),
        ({"assignee": "{agent}"}, ["p3"]),
        ({"tag": "firmware"}, ["p3"]),
        ({"status": "new", "priority": "P4"}, ["p4"]),
        # Wed 16:30 PST + 2 h: only P1's first response (1 calendar hour) is due before
        ({"breaching_before": "2026-11-25T18:30:00-08:00"}, ["p1"]),
    ],
)
def test_list_filters(world, spread, client_for, params, expected):
    params = {k: v.format(team=world.team.pk, agent=world.agent.pk) for k, v in params.items()}

    got = ids(client_for(world.agent).get("/api/v1/tickets/", params))

    assert sorted(got) == sorted(spread[name].pk for name in expected)


def test_filter_by_organization(world, client_for):
    got = ids(client_for(world.agent).get("/api/v1/tickets/", {"organization": world.globex.pk}))

    assert got == [world.globex_ticket.pk]


def test_breaching_before_is_a_half_open_bound_on_running_clocks(world, spread, client_for):
    # running due instants (Acme: 9-17 PT, Thanksgiving closed; Globex: houseware 24x7):
    #   P1 first response Wed 17:30 PST (1 calendar hour), resolution Fri 16:30 PST (48 h)
    #   Globex P2 first response Sat 28 Nov 00:30Z (48 h)
    #   Acme P2 resolution and P3 first response Mon 30 Nov 16:30 PST (16 business hours)
    #   P4 first response Tue 1 Dec 16:30 PST (24 business hours); the solved one: none
    api = client_for(world.agent)

    before_fri = ids(api.get("/api/v1/tickets/", {"breaching_before": "2026-11-27T13:00:00-08:00"}))
    at_globex_due = ids(api.get("/api/v1/tickets/", {"breaching_before": "2026-11-28T00:30:00Z"}))
    after_globex_due = ids(
        api.get("/api/v1/tickets/", {"breaching_before": "2026-11-28T00:30:01Z"})
    )

    assert before_fri == [spread["p1"].pk]
    assert at_globex_due == [spread["p1"].pk]  # due_at < bound: the bound itself is excluded
    assert sorted(after_globex_due) == sorted([spread["p1"].pk, world.globex_ticket.pk])


# ------------------------------------------------------------------------------ pagination
def test_cursor_pages_walk_every_ticket_once_newest_first(world, spread, client_for):
    api = client_for(world.agent)
    seen, url = [], "/api/v1/tickets/?page_size=2"
    while url:
        response = api.get(url)
        seen += ids(response)
        url = response.json()["next"]

    assert seen == sorted(seen, reverse=True)
    assert len(seen) == len(set(seen)) == 6


@pytest.mark.parametrize("ordering", ["-id", "id"])
def test_breaching_before_pages_walk_what_the_filter_selects_once(
    world, spread, client_for, ordering
):
    # An agent's breaching_before-only list reads its ids from the running-clock index
    # (selectors.breaching_ids); P1 has two running clocks and must still come once.
    from sladesk.tickets import selectors
    from sladesk.tickets.models import Ticket

    bound = "2026-12-31T00:00:00Z"
    expected = list(
        selectors.filter_tickets(Ticket.objects.all(), breaching_before=T(bound))
        .order_by(ordering)
        .values_list("id", flat=True)
    )
    api = client_for(world.agent)
    seen, url = [], f"/api/v1/tickets/?breaching_before={bound}&ordering={ordering}&page_size=1"
    while url:
        response = api.get(url)
        seen += ids(response)
        url = response.json()["next"]

    assert len(expected) == 5  # every ticket but the solved one
    assert seen == expected


def test_ordering_by_due_lists_soonest_first_and_skips_stopped_clocks(world, spread, client_for):
    api = client_for(world.agent)
    seen, url = [], "/api/v1/tickets/?ordering=due&page_size=1"
    while url:
        response = api.get(url)
        seen += ids(response)
        url = response.json()["next"]

    # earliest running due: P1 Wed 17:30 PST, Globex Sat 00:30Z, Acme P2 and P3 both Mon
    # 16:30 PST (tie broken by id), P4 Tue 16:30 PST; the solved ticket has no running clock
    assert seen == [
        spread["p1"].pk,
        world.globex_ticket.pk,
        world.acme_ticket.pk,
        spread["p3"].pk,
        spread["p4"].pk,
    ]


def test_a_forged_cursor_is_400(world, client_for):
    response = client_for(world.agent).get("/api/v1/tickets/", {"cursor": "bm9wZQ"})

    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["fields"]


def test_page_size_out_of_range_is_400(world, client_for):
    response = client_for(world.agent).get("/api/v1/tickets/", {"page_size": 0})

    assert response.status_code == 400


# ------------------------------------------------------------------------------ N+1
def test_list_query_count_does_not_grow_with_the_page(world, client_for, query_count):
    from sladesk.tickets import services

    for i in range(30):
        t = services.open_ticket(
            organization=world.acme,
            requester=world.acme_contact,
            subject=f"#{i}",
            description="d",
            priority="P3",
            tags=[f"tag{i}", "bulk"],
        )
        services.assign(t, team=world.team, assignee=world.agent, actor=world.agent)
    api = client_for(world.agent)

    # role lookup (1) + the page's rows selected by id (1) + tags (1) + clocks (1)
    with query_count("ticket list, page of 32"):
        response = api.get("/api/v1/tickets/", {"page_size": 32})
    assert len(response.json()["results"]) == 32


def test_detail_query_count_is_constant(world, client_for, query_count):
    from sladesk.tickets import services

    for i in range(10):
        services.reply(world.acme_ticket, author=world.agent, body=f"update {i}")
    api = client_for(world.agent)

    # role lookup (1) + ticket (1) + tags (1) + clocks (1) + messages (1) + attachments (1)
    with query_count("ticket detail, 13 messages"):
        response = api.get(f"/api/v1/tickets/{world.acme_ticket.pk}/")
    assert len(response.json()["messages"]) == 13


@pytest.mark.parametrize(
    "path", ["/api/v1/organizations/", "/api/v1/contacts/", "/api/v1/teams/", "/api/v1/agents/"]
)
def test_account_lists_query_count_is_constant(world, client_for, query_count, path):
    from django.contrib.auth.models import User

    from sladesk.accounts.models import AccountTeamMember, AgentProfile, Contact, Organization, Team

    for i in range(15):
        org = Organization.objects.create(name=f"Org {i}", slug=f"org-{i}")
        Contact.objects.create(organization=org, email=f"c{i}@org.example")
        user = User.objects.create_user(f"agent{i}")
        profile = AgentProfile.objects.create(user=user)
        team = Team.objects.create(name=f"Team {i}", slug=f"team-{i}")
        profile.teams.add(team)
        AccountTeamMember.objects.create(organization=org, user=user)
    api = client_for(world.admin)

    with query_count(f"{path}, page of 20"):
        response = api.get(path, {"page_size": 20})
    assert response.status_code == 200
    assert len(response.json()["results"]) >= 15


# ------------------------------------------------------------------------------ errors
def test_unknown_priority_names_the_known_ones(world, client_for):
    response = client_for(world.agent).post(
        "/api/v1/tickets/",
        {
            "subject": "x",
            "organization": world.globex.pk,
            "requester": "kim@globex.example",
            "priority": "urgent",
        },
        format="json",
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert "known: P0, P1, P2, P3" in error["fields"]["priority"][0]
    assert error["message"].startswith("priority: unknown priority 'urgent'")


def test_agent_must_name_organization_and_requester(world, client_for):
    response = client_for(world.agent).post("/api/v1/tickets/", {"subject": "x"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"organization", "requester"}


def test_every_field_error_is_reported_in_one_answer(world, client_for):
    # given an agent's create with no subject, a bad tag list and no organization/requester
    response = client_for(world.agent).post(
        "/api/v1/tickets/", {"tags": "not-a-list", "priority": "P1"}, format="json"
    )
    # then one 400 names all four, not one per try
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {
        "subject",
        "tags",
        "organization",
        "requester",
    }


def test_a_contact_is_not_asked_for_organization_or_requester(world, client_for):
    response = client_for(world.globex_contact.user).post("/api/v1/tickets/", {}, format="json")

    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"subject"}


def test_api_docs_use_the_right_article(client_for, world):
    schema = client_for(world.agent).get("/api/schema/?format=json").json()
    summaries = [op.get("summary", "") for path in schema["paths"].values() for op in path.values()]
    assert "Create an agent (admins)" in summaries
    assert not [s for s in summaries if " a agent" in s or " a organization" in s]


def test_unknown_requester_is_400(world, client_for):
    response = client_for(world.agent).post(
        "/api/v1/tickets/",
        {"subject": "x", "organization": world.acme.pk, "requester": "stranger@example.com"},
        format="json",
    )

    assert response.status_code == 400
    assert "not a contact of Acme" in response.json()["error"]["fields"]["requester"][0]


def test_priority_change_needs_a_reason(world, client_for):
    response = client_for(world.agent).patch(
        f"/api/v1/tickets/{world.acme_ticket.pk}/", {"priority": "P1"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"reason": ["a priority change needs a reason"]}


def test_closed_to_pending_is_a_409(world, client_for):
    api = client_for(world.agent)
    tid = world.acme_ticket.pk
    api.post(f"/api/v1/tickets/{tid}/solve/", format="json")
    assert (
        api.patch(f"/api/v1/tickets/{tid}/", {"status": "closed"}, format="json").status_code == 200
    )

    response = api.post(f"/api/v1/tickets/{tid}/pending/", format="json")

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "invalid_transition"
    assert error["message"] == "a closed ticket cannot become pending"


def test_method_not_allowed_is_405_json(world, client_for):
    response = client_for(world.agent).put(
        f"/api/v1/tickets/{world.acme_ticket.pk}/", {}, format="json"
    )

    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_bad_breaching_before_is_400(world, client_for):
    response = client_for(world.agent).get("/api/v1/tickets/", {"breaching_before": "tomorrow"})

    assert response.status_code == 400
    assert "breaching_before" in response.json()["error"]["fields"]


def test_nul_in_custom_fields_is_400_not_a_database_error(world, client_for):
    response = client_for(world.agent).patch(
        f"/api/v1/tickets/{world.acme_ticket.pk}/",
        {"custom_fields": {"x": "a\u0000b"}},
        format="json",
    )

    assert response.status_code == 400


def test_empty_patch_is_400(world, client_for):
    response = client_for(world.agent).patch(
        f"/api/v1/tickets/{world.acme_ticket.pk}/", {}, format="json"
    )

    assert response.status_code == 400
    assert "nothing to change" in response.json()["error"]["message"]


def test_contact_may_not_change_priority_and_is_told_why(world, client_for):
    response = client_for(world.acme_contact.user).patch(
        f"/api/v1/tickets/{world.acme_ticket.pk}/",
        {"priority": "P1", "reason": "urgent!"},
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["error"]["message"] == "a contact may not change priority, reason"


def test_contact_changing_priority_without_a_reason_is_refused_not_asked_for_one(world, client_for):
    # given a contact on its own organization's ticket
    # when it sends a priority alone (no reason)
    response = client_for(world.acme_contact.user).patch(
        f"/api/v1/tickets/{world.acme_ticket.pk}/", {"priority": "P1"}, format="json"
    )
    # then it is told it may not change priority (403), not that a reason is missing (400)
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "a contact may not change priority"


# ------------------------------------------------------------------------------ updates
def test_patch_custom_fields_reapplies_the_policy_rules(world, client_for):
    api = client_for(world.agent)
    tid = world.acme_ticket.pk
    api.patch(f"/api/v1/tickets/{tid}/", {"priority": "P1", "reason": "fleet down"}, format="json")

    # an unsupported Device OS caps Particle's priority at P2 (seed 000 footnote)
    body = api.patch(
        f"/api/v1/tickets/{tid}/", {"custom_fields": {"device_os_supported": False}}, format="json"
    ).json()

    assert body["priority"] == "P2"
    assert "unsupported-device-os" in body["tags"]
    assert body["custom_fields"] == {"device_os_supported": False}


def test_patch_status_and_tags_in_one_request_is_all_or_nothing(world, client_for):
    api = client_for(world.agent)
    tid = world.acme_ticket.pk

    # "new" cannot be reached: the whole PATCH (tags too) is refused
    response = api.patch(f"/api/v1/tickets/{tid}/", {"tags": ["x"], "status": "new"}, format="json")

    assert response.status_code == 409
    assert api.get(f"/api/v1/tickets/{tid}/").json()["tags"] == []


def test_reply_to_a_pending_ticket_by_the_customer_resumes_it(world, client_for, frozen_now):
    agent_api = client_for(world.agent)
    tid = world.acme_ticket.pk
    agent_api.post(f"/api/v1/tickets/{tid}/pending/", {"reason": "need logs"}, format="json")

    client_for(world.acme_contact.user).post(
        f"/api/v1/tickets/{tid}/reply/", {"body": "logs"}, format="json"
    )

    body = agent_api.get(f"/api/v1/tickets/{tid}/").json()
    assert body["status"] == "open"
    # paused and resumed at the same instant: the resolution due instant is unchanged
    assert due_of(body, "resolution") == T("2026-11-30T16:30:00-08:00")
