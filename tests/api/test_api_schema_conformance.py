"""What the API answers matches what its OpenAPI schema says (defects schemathesis's
conformance checks found): nullable clock instants, the unpaginated links list, and a JSON
404 for an API URL that no route matches."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def _schema(client):
    return client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def _nullable(prop: dict) -> bool:
    types = prop.get("type")
    return (
        bool(prop.get("nullable"))
        or (isinstance(types, list) and "null" in types)
        or any(alt.get("type") == "null" for alt in prop.get("anyOf", prop.get("oneOf", [])))
    )


def test_clock_instants_that_the_api_answers_as_null_are_nullable_in_the_schema(
    world, client_for, client
):
    # given a ticket whose clocks include instants that are null (not met, not breached)
    clocks = client_for(world.agent).get(f"/api/v1/tickets/{world.acme_ticket.pk}/").json()["sla"]
    null_fields = {k for c in clocks for k, v in c.items() if v is None}
    assert null_fields >= {"met_at", "breached_at"}
    # when the schema's Clock is read; then each of those is declared nullable
    clock = _schema(client)["components"]["schemas"]["Clock"]["properties"]
    assert {name for name in null_fields if not _nullable(clock[name])} == set()


def test_links_schema_is_the_plain_list_the_view_answers(world, client_for, client):
    # given the links of a ticket as answered: a JSON array
    assert isinstance(
        client_for(world.agent).get(f"/api/v1/tickets/{world.acme_ticket.pk}/links/").json(), list
    )
    # then the schema says an array too, for GET and POST (not a paginated object)
    item = _schema(client)["paths"]["/api/v1/tickets/{id}/links/"]
    for method, code in (("get", "200"), ("post", "201")):
        body = item[method]["responses"][code]["content"]["application/json"]["schema"]
        assert body.get("type") == "array", (method, body)


@pytest.mark.parametrize("path", ["/api/v1/tickets/abc/", "/api/v1/nothing/", "/api/v2/tickets/"])
def test_an_api_url_no_route_matches_is_the_json_404_envelope(world, client_for, path):
    response = client_for(world.agent).get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] == "not_found"


def test_outside_the_api_a_url_no_route_matches_is_still_the_html_page(client):
    response = client.get("/desk/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
