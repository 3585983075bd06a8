"""Who may call which endpoint: every API endpoint × every role, in one table.

Roles: ``anonymous`` (no credentials), ``nobody`` (a login that is neither agent nor
contact), ``contact`` (Pat at Acme), ``agent``, ``admin``. ``own`` is Acme's ticket,
``other`` Globex's. A contact gets 404 — never 403 — for another organization's rows, and
403 for kinds of request that contacts may not make at all.
"""

from __future__ import annotations

import itertools

import pytest

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "nobody", "contact", "agent", "admin")


def _ticket_create(w):
    return {
        "subject": "New",
        "description": "d",
        "organization": w.acme.pk,
        "requester": w.acme_contact.email,
    }


#: (name, method, path, body(world) or None, {role: status}); a missing role = the default
#: for its kind: anonymous 401, nobody 403.
CASES = [
    ("ticket list", "get", "/api/v1/tickets/", None, {"contact": 200, "agent": 200, "admin": 200}),
    (
        "ticket create",
        "post",
        "/api/v1/tickets/",
        _ticket_create,
        {"contact": 201, "agent": 201, "admin": 201},
    ),
    (
        "ticket retrieve own",
        "get",
        "/api/v1/tickets/{own}/",
        None,
        {"contact": 200, "agent": 200, "admin": 200},
    ),
    (
        "ticket retrieve other",
        "get",
        "/api/v1/tickets/{other}/",
        None,
        {"contact": 404, "agent": 200, "admin": 200},
    ),
    (
        "ticket retrieve missing",
        "get",
        "/api/v1/tickets/999999/",
        None,
        {"contact": 404, "agent": 404, "admin": 404},
    ),
    (
        "ticket patch subject own",
        "patch",
        "/api/v1/tickets/{own}/",
        lambda w: {"subject": "Renamed"},
        {"contact": 200, "agent": 200, "admin": 200},
    ),
    (
        "ticket patch subject other",
        "patch",
        "/api/v1/tickets/{other}/",
        lambda w: {"subject": "Renamed"},
        {"contact": 404, "agent": 200, "admin": 200},
    ),
    (
        "ticket patch priority own",
        "patch",
        "/api/v1/tickets/{own}/",
        lambda w: {"priority": "P1", "reason": "fleet down"},
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "ticket patch assign own",
        "patch",
        "/api/v1/tickets/{own}/",
        lambda w: {"team": w.team.pk, "assignee": w.agent.pk},
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "ticket delete",
        "delete",
        "/api/v1/tickets/{own}/",
        None,
        {"contact": 405, "agent": 405, "admin": 405},
    ),
    (
        "reply own",
        "post",
        "/api/v1/tickets/{own}/reply/",
        lambda w: {"body": "hello"},
        {"contact": 201, "agent": 201, "admin": 201},
    ),
    (
        "reply other",
        "post",
        "/api/v1/tickets/{other}/reply/",
        lambda w: {"body": "hello"},
        {"contact": 404, "agent": 201, "admin": 201},
    ),
    (
        "note own",
        "post",
        "/api/v1/tickets/{own}/note/",
        lambda w: {"body": "psst"},
        {"contact": 403, "agent": 201, "admin": 201},
    ),
    (
        "note other",
        "post",
        "/api/v1/tickets/{other}/note/",
        lambda w: {"body": "psst"},
        {"contact": 403, "agent": 201, "admin": 201},
    ),
    (
        "pending own",
        "post",
        "/api/v1/tickets/{own}/pending/",
        lambda w: {},
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "resume own",
        "post",
        "/api/v1/tickets/{own}/resume/",
        lambda w: {},
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "solve own",
        "post",
        "/api/v1/tickets/{own}/solve/",
        lambda w: {},
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "solve other",
        "post",
        "/api/v1/tickets/{other}/solve/",
        lambda w: {},
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "merge own into other org",
        "post",
        "/api/v1/tickets/{own}/merge/",
        lambda w: {"into": w.globex_ticket.pk},
        {"contact": 403, "agent": 400, "admin": 400},
    ),
    (
        "split missing message",
        "post",
        "/api/v1/tickets/{own}/split/",
        lambda w: {"messages": [999999]},
        {"contact": 403, "agent": 400, "admin": 400},
    ),
    (
        "links own",
        "get",
        "/api/v1/tickets/{own}/links/",
        None,
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "link own to other",
        "post",
        "/api/v1/tickets/{own}/links/",
        lambda w: {"ticket": w.globex_ticket.pk},
        {"contact": 403, "agent": 201, "admin": 201},
    ),
    (
        "unlink not linked",
        "delete",
        "/api/v1/tickets/{own}/links/{other}/",
        None,
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "escalate own without ladder",
        "post",
        "/api/v1/tickets/{own}/escalate/",
        lambda w: {"reason": "slow"},
        {"contact": 400, "agent": 400, "admin": 400},
    ),
    (
        "escalate other",
        "post",
        "/api/v1/tickets/{other}/escalate/",
        lambda w: {"reason": "slow"},
        {"contact": 404, "agent": 200, "admin": 200},
    ),
    (
        "original email missing",
        "get",
        "/api/v1/tickets/{own}/messages/999999/email/",
        None,
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "page ack missing",
        "post",
        "/api/v1/pages/999999/ack/",
        lambda w: {},
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "pages of own ticket",
        "get",
        "/api/v1/pages/?ticket={own}",
        None,
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "pages of missing ticket",
        "get",
        "/api/v1/pages/?ticket=999999",
        None,
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "pages without ticket",
        "get",
        "/api/v1/pages/",
        None,
        {"contact": 403, "agent": 400, "admin": 400},
    ),
    (
        "confirm sender own",
        "post",
        "/api/v1/tickets/{own}/confirm-sender/",
        None,
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "confirm sender other",
        "post",
        "/api/v1/tickets/{other}/confirm-sender/",
        None,
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "organization list",
        "get",
        "/api/v1/organizations/",
        None,
        {"contact": 200, "agent": 200, "admin": 200},
    ),
    (
        "organization own",
        "get",
        "/api/v1/organizations/{acme}/",
        None,
        {"contact": 200, "agent": 200, "admin": 200},
    ),
    (
        "organization other",
        "get",
        "/api/v1/organizations/{globex}/",
        None,
        {"contact": 404, "agent": 200, "admin": 200},
    ),
    (
        "organization create",
        "post",
        "/api/v1/organizations/",
        lambda w: {"name": "Initech", "slug": "initech", "policy": "esper", "plan": "premium"},
        {"contact": 403, "agent": 403, "admin": 201},
    ),
    (
        "organization patch",
        "patch",
        "/api/v1/organizations/{acme}/",
        lambda w: {"region": "emea"},
        {"contact": 403, "agent": 403, "admin": 200},
    ),
    (
        "contact list",
        "get",
        "/api/v1/contacts/",
        None,
        {"contact": 200, "agent": 200, "admin": 200},
    ),
    (
        "contact own org",
        "get",
        "/api/v1/contacts/{acme_other}/",
        None,
        {"contact": 200, "agent": 200, "admin": 200},
    ),
    (
        "contact other org",
        "get",
        "/api/v1/contacts/{globex_contact}/",
        None,
        {"contact": 404, "agent": 200, "admin": 200},
    ),
    (
        "contact create",
        "post",
        "/api/v1/contacts/",
        lambda w: {"organization": w.acme.pk, "email": "new@acme.example", "name": "New"},
        {"contact": 403, "agent": 403, "admin": 201},
    ),
    (
        "contact patch",
        "patch",
        "/api/v1/contacts/{acme_other}/",
        lambda w: {"name": "Samantha"},
        {"contact": 403, "agent": 403, "admin": 200},
    ),
    # on-call (docs/oncall.md): agents read, cover and acknowledge; admins decide schedules/policies
    (
        "schedule list",
        "get",
        "/api/v1/schedules/",
        None,
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "schedule create",
        "post",
        "/api/v1/schedules/",
        lambda w: {
            "name": "Primary",
            "team": w.team.pk,
            "timezone": "Europe/Berlin",
            "rotations": [
                {"participants": [w.agent.username], "length": "1w", "handoff": "2026-03-23T09:00"}
            ],
        },
        {"contact": 403, "agent": 403, "admin": 201},
    ),
    (
        "schedule missing",
        "get",
        "/api/v1/schedules/999999/",
        None,
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "schedule oncall missing",
        "get",
        "/api/v1/schedules/999999/oncall/",
        None,
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "overrides missing",
        "get",
        "/api/v1/schedules/999999/overrides/",
        None,
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "override missing schedule",
        "post",
        "/api/v1/schedules/999999/overrides/",
        lambda w: {},
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "ical import missing schedule",
        "post",
        "/api/v1/schedules/999999/ical/",
        lambda w: {"ics": "x"},
        {"contact": 403, "agent": 403, "admin": 404},
    ),
    (
        "escalation policy list",
        "get",
        "/api/v1/escalation-policies/",
        None,
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "escalation policy create",
        "post",
        "/api/v1/escalation-policies/",
        lambda w: {"name": "p1", "steps": []},
        {"contact": 403, "agent": 403, "admin": 201},
    ),
    (
        "page acknowledge missing",
        "post",
        "/api/v1/pages/999999/acknowledge/",
        lambda w: {},
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "page resolve missing",
        "post",
        "/api/v1/pages/999999/resolve/",
        lambda w: {},
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "my on-call calendar",
        "post",
        "/api/v1/oncall/calendar/",
        lambda w: {},
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "organization list",
        "get",
        "/api/v1/organizations/",
        None,
        {"contact": 200, "agent": 200, "admin": 200},
    ),
    (
        "organization own",
        "get",
        "/api/v1/organizations/{acme}/",
        None,
        {"contact": 200, "agent": 200, "admin": 200},
    ),
    (
        "organization other",
        "get",
        "/api/v1/organizations/{globex}/",
        None,
        {"contact": 404, "agent": 200, "admin": 200},
    ),
    (
        "organization create",
        "post",
        "/api/v1/organizations/",
        lambda w: {"name": "Initech", "slug": "initech", "policy": "esper", "plan": "premium"},
        {"contact": 403, "agent": 403, "admin": 201},
    ),
    (
        "organization patch",
        "patch",
        "/api/v1/organizations/{acme}/",
        lambda w: {"region": "emea"},
        {"contact": 403, "agent": 403, "admin": 200},
    ),
    (
        "contact list",
        "get",
        "/api/v1/contacts/",
        None,
        {"contact": 200, "agent": 200, "admin": 200},
    ),
    (
        "contact own org",
        "get",
        "/api/v1/contacts/{acme_other}/",
        None,
        {"contact": 200, "agent": 200, "admin": 200},
    ),
    (
        "contact other org",
        "get",
        "/api/v1/contacts/{globex_contact}/",
        None,
        {"contact": 404, "agent": 200, "admin": 200},
    ),
    (
        "contact create",
        "post",
        "/api/v1/contacts/",
        lambda w: {"organization": w.acme.pk, "email": "new@acme.example", "name": "New"},
        {"contact": 403, "agent": 403, "admin": 201},
    ),
    (
        "contact patch",
        "patch",
        "/api/v1/contacts/{acme_other}/",
        lambda w: {"name": "Samantha"},
        {"contact": 403, "agent": 403, "admin": 200},
    ),
    ("team list", "get", "/api/v1/teams/", None, {"contact": 403, "agent": 200, "admin": 200}),
    (
        "team retrieve",
        "get",
        "/api/v1/teams/{team}/",
        None,
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "team create",
        "post",
        "/api/v1/teams/",
        lambda w: {"name": "DevOps", "slug": "devops"},
        {"contact": 403, "agent": 403, "admin": 201},
    ),
    (
        "team patch",
        "patch",
        "/api/v1/teams/{team}/",
        lambda w: {"description": "first line"},
        {"contact": 403, "agent": 403, "admin": 200},
    ),
    ("agent list", "get", "/api/v1/agents/", None, {"contact": 403, "agent": 200, "admin": 200}),
    (
        "agent retrieve",
        "get",
        "/api/v1/agents/{agent}/",
        None,
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "agent create",
        "post",
        "/api/v1/agents/",
        lambda w: {
            "username": "bob",
            "email": "bob@desk.example",
            "password": "a-Long-pass-4-bob",
            "teams": [w.team.pk],
        },
        {"contact": 403, "agent": 403, "admin": 201},
    ),
    (
        "agent patch",
        "patch",
        "/api/v1/agents/{agent}/",
        lambda w: {"timezone": "Europe/Berlin"},
        {"contact": 403, "agent": 403, "admin": 200},
    ),
    # the status page's admin API: agents and admins only
    (
        "status components",
        "get",
        "/api/v1/status/components/",
        None,
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "status component create",
        "post",
        "/api/v1/status/components/",
        lambda w: {"page": "nope", "name": "x"},
        {"contact": 403, "agent": 400, "admin": 400},
    ),
    (
        "status component missing",
        "get",
        "/api/v1/status/components/999999/",
        None,
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "status component patch missing",
        "patch",
        "/api/v1/status/components/999999/",
        lambda w: {"name": "x"},
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "status incidents",
        "get",
        "/api/v1/status/incidents/",
        None,
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "status incident create",
        "post",
        "/api/v1/status/incidents/",
        lambda w: {"page": "nope", "name": "x", "body": "y"},
        {"contact": 403, "agent": 400, "admin": 400},
    ),
    (
        "status incident missing",
        "get",
        "/api/v1/status/incidents/999999/",
        None,
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "status incident patch missing",
        "patch",
        "/api/v1/status/incidents/999999/",
        lambda w: {"name": "x"},
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "status incident update missing",
        "post",
        "/api/v1/status/incidents/999999/updates/",
        lambda w: {"status": "resolved", "body": "x"},
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "status incident postmortem missing",
        "post",
        "/api/v1/status/incidents/999999/postmortem/",
        lambda w: {"body": "x"},
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "status incident ticket missing",
        "post",
        "/api/v1/status/incidents/999999/tickets/",
        lambda w: {"ticket": 1},
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "status uptime without a page",
        "get",
        "/api/v1/status/uptime/",
        None,
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "status maintenances",
        "get",
        "/api/v1/status/maintenances/",
        None,
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "status maintenance create",
        "post",
        "/api/v1/status/maintenances/",
        lambda w: {"page": "nope", "name": "x", "components": ["a"]},
        {"contact": 403, "agent": 400, "admin": 400},
    ),
    (
        "status maintenance missing",
        "get",
        "/api/v1/status/maintenances/999999/",
        None,
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    (
        "status maintenance cancel missing",
        "post",
        "/api/v1/status/maintenances/999999/cancel/",
        None,
        {"contact": 403, "agent": 404, "admin": 404},
    ),
    # Everyone signed in manages their own API tokens, and only their own.
    (
        "token list",
        "get",
        "/api/v1/auth/tokens/",
        None,
        {"nobody": 200, "contact": 200, "agent": 200, "admin": 200},
    ),
    (
        "token issue",
        "post",
        "/api/v1/auth/tokens/",
        lambda w: {"name": "ci"},
        {"nobody": 201, "contact": 201, "agent": 201, "admin": 201},
    ),
    (
        "token revoke missing",
        "delete",
        "/api/v1/auth/tokens/999999/",
        None,
        {"nobody": 404, "contact": 404, "agent": 404, "admin": 404},
    ),
    # reports and satisfaction results are the desk's (contacts read their statements in
    # the portal, and rate through their own links)
    (
        "attainment report",
        "get",
        "/api/v1/reports/attainment/?from=2026-11-01&to=2026-12-01",
        None,
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    # macros (docs/api.md): the desk's; a shared one is changed by admins only
    ("macro list", "get", "/api/v1/macros/", None, {"contact": 403, "agent": 200, "admin": 200}),
    (
        "macro create",
        "post",
        "/api/v1/macros/",
        lambda w: {"name": "Mine", "body": "Hello"},
        {"contact": 403, "agent": 201, "admin": 201},
    ),
    (
        "macro retrieve shared",
        "get",
        "/api/v1/macros/{macro}/",
        None,
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "macro patch shared",
        "patch",
        "/api/v1/macros/{macro}/",
        lambda w: {"tags": ["thanks"]},
        {"contact": 403, "agent": 403, "admin": 200},
    ),
    (
        "macro delete shared",
        "delete",
        "/api/v1/macros/{macro}/",
        None,
        {"contact": 403, "agent": 403, "admin": 204},
    ),
    (
        "macro preview own ticket",
        "get",
        "/api/v1/macros/{macro}/preview/?ticket={own}",
        None,
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "apply macro own",
        "post",
        "/api/v1/tickets/{own}/apply-macro/",
        lambda w: {"macro": w.macro.pk},
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "apply macro other",
        "post",
        "/api/v1/tickets/{other}/apply-macro/",
        lambda w: {"macro": w.macro.pk},
        {"contact": 403, "agent": 200, "admin": 200},
    ),
    (
        "satisfaction results",
        "get",
        "/api/v1/satisfaction/?group_by=agent",
        None,
        {"contact": 403, "agent": 200, "admin": 200},
    ),
]


def _path(template: str, w) -> str:
    return template.format(
        own=w.acme_ticket.pk,
        other=w.globex_ticket.pk,
        acme=w.acme.pk,
        globex=w.globex.pk,
        acme_other=w.acme_other.pk,
        globex_contact=w.globex_contact.pk,
        team=w.team.pk,
        agent=w.agent.pk,
        macro=w.macro.pk,
    )


@pytest.mark.parametrize(
    ("case", "role"),
    list(itertools.product(CASES, ROLES)),
    ids=[f"{c[0]}-{r}" for c, r in itertools.product(CASES, ROLES)],
)
def test_endpoint_role_status(world, client_for, case, role):
    name, method, template, body, expected = case
    want = expected.get(role, {"anonymous": 401, "nobody": 403}.get(role))
    api = client_for(world.users[role])
    kwargs = {"format": "json"}
    if body is not None:
        kwargs["data"] = body(world)

    response = getattr(api, method)(_path(template, world), **kwargs)

    assert response.status_code == want, (name, role, response.content[:300])
    if response.status_code >= 400:
        error = response.json()["error"]
        assert error["code"] and error["message"]


def test_every_operation_of_the_schema_is_in_the_table():
    """A new endpoint or method must join CASES, so its roles are decided, not assumed."""
    import re

    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.settings import patched_settings

    from sladesk.api.drf_settings import SPECTACULAR

    with patched_settings(SPECTACULAR):
        schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        (method, re.sub(r"\{\w+\}", "{id}", path))
        for path, item in schema["paths"].items()
        for method in item
        if path != "/api/v1/auth/token/"  # public by design: see test_api_tickets token tests
    }
    covered = {(c[1], re.sub(r"\{\w+\}|999999", "{id}", c[2].split("?")[0])) for c in CASES}
    assert operations <= covered, sorted(operations - covered)


# ------------------------------------------------------------------------ visibility details
def test_contact_lists_only_its_organizations_tickets_and_no_internal_notes(world, client_for):
    api = client_for(world.acme_contact.user)

    listed = api.get("/api/v1/tickets/").json()["results"]
    detail = api.get(f"/api/v1/tickets/{world.acme_ticket.pk}/").json()

    assert [t["id"] for t in listed] == [world.acme_ticket.pk]
    assert [m["body_text"] for m in detail["messages"]] == ["All devices dropped", "On it"]
    assert all(m["public"] for m in detail["messages"])


def test_contact_filtering_on_another_organization_finds_nothing(world, client_for):
    api = client_for(world.acme_contact.user)

    response = api.get("/api/v1/tickets/", {"organization": world.globex.pk})

    assert response.status_code == 200
    assert response.json()["results"] == []


def test_agent_sees_internal_notes(world, client_for):
    detail = client_for(world.agent).get(f"/api/v1/tickets/{world.acme_ticket.pk}/").json()

    notes = [m for m in detail["messages"] if m["internal"]]
    assert [n["body_text"] for n in notes] == ["internal: check the firmware"]


def test_contact_sees_only_its_organizations_contacts(world, client_for):
    api = client_for(world.acme_contact.user)

    emails = [c["email"] for c in api.get("/api/v1/contacts/").json()["results"]]
    orgs = [o["id"] for o in api.get("/api/v1/organizations/").json()["results"]]

    assert sorted(emails) == ["pat@acme.example", "sam@acme.example"]
    assert orgs == [world.acme.pk]


def test_contact_ticket_is_forced_to_its_organization(world, client_for):
    api = client_for(world.acme_contact.user)

    response = api.post(
        "/api/v1/tickets/",
        {"subject": "Hi", "organization": world.globex.pk, "requester": world.globex_contact.email},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["organization"], body["requester"]) == (world.acme.pk, "pat@acme.example")


def test_contact_reply_is_from_the_customer(world, client_for):
    response = client_for(world.acme_contact.user).post(
        f"/api/v1/tickets/{world.acme_ticket.pk}/reply/", {"body": "thanks"}, format="json"
    )

    assert response.status_code == 201
    message = response.json()
    assert message["from_customer"] is True
    assert message["author"] == "pat@acme.example"
