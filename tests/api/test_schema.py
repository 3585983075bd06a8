"""The OpenAPI schema generates cleanly and schemathesis finds no undocumented answer in the API.

schemathesis (4.x) loads ``/api/schema/`` from the in-process WSGI application and, for
every operation, sends generated requests (schema examples, coverage of boundaries and
random fuzzing) authenticated as an agent and checks that every answer is one the schema
documents (`_CHECKS`: no 5xx; status code, content type, body and headers conform; auth
is not ignored); the contract tests check the 4xx themselves. Bounded:
a few examples per operation, no deadline (the whole run is well under a minute).

Deeper local runs: ``SLADESK_SCHEMA_EXAMPLES=200`` (examples per operation and mode);
``SLADESK_SCHEMA_CHECKS=all`` adds the data acceptance/rejection checks (see `_CHECKS`).
"""

from __future__ import annotations

import functools
import os
import re
import warnings

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import (  # noqa: E402
    content_type_conformance,
    ignored_auth,
    negative_data_rejection,
    not_a_server_error,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

_EXAMPLES = int(os.environ.get("SLADESK_SCHEMA_EXAMPLES", "8"))
#: Every answer is documented: no 5xx, a documented status code and content type, a body
#: and headers matching the schema, no auth ignored.
_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    ignored_auth,
]
#: Only on request (``SLADESK_SCHEMA_CHECKS=all``), as they report behaviour that is meant:
#: ``positive_data_acceptance`` expects every schema-valid request to succeed, and the API
#: rightly refuses some with a 400 no schema can express (wrong credentials, a made-up
#: cursor, a ticket merged into itself, an agent's ticket without organization, an empty
#: PATCH); ``negative_data_rejection`` flags ``?status=`` (empty), which DRF reads as
#: "no filter" like an omitted parameter, as HTML forms send it.
if os.environ.get("SLADESK_SCHEMA_CHECKS") == "all":
    _CHECKS += [negative_data_rejection, positive_data_acceptance]

pytestmark = pytest.mark.django_db


def test_schema_generates_without_warnings():
    from drf_spectacular.drainage import GENERATOR_STATS
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.settings import patched_settings

    from sladesk.api.drf_settings import SPECTACULAR

    GENERATOR_STATS.reset()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with patched_settings(SPECTACULAR):
            schema = SchemaGenerator().get_schema(request=None, public=True)

    assert not GENERATOR_STATS, f"drf-spectacular: {GENERATOR_STATS}"
    assert "/api/v1/tickets/{id}/reply/" in schema["paths"]
    assert schema["components"]["securitySchemes"].keys() >= {"tokenAuth", "cookieAuth"}


def test_schema_and_docs_are_served(client):
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200


def test_docs_page_loads_swagger_ui_from_this_server_not_a_cdn(client):
    # given the interactive API docs page
    page = client.get("/api/docs/").content.decode()
    # when its scripts and styles are listed
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page)
    # then each is a static file of this server that answers, none from another host
    assert any("swagger-ui-bundle" in a for a in assets), page[:500]
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))]
    for asset in assets:
        assert asset.startswith("/static/"), asset
        response = client.get(asset)
        assert response.status_code == 200, asset
        b"".join(response.streaming_content if response.streaming else [response.content])


def _operations() -> list[tuple[str, str]]:
    """(METHOD, path) of every operation, read from the schema at collection time."""
    import django

    django.setup()
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.settings import patched_settings

    from sladesk.api.drf_settings import SPECTACULAR

    with patched_settings(SPECTACULAR):
        paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return [(method.upper(), path) for path, item in paths.items() for method in item]


def _negatable(method: str, path: str) -> bool:
    """Whether a negative run can make anything invalid: an operation without parameters
    and without a request body (e.g. ``POST /api/v1/oncall/calendar/``) has nothing to
    negate (hypothesis: Unsatisfiable)."""
    operation = _schema_paths()[path][method.lower()]
    return bool(operation.get("parameters") or operation.get("requestBody"))


@functools.cache
def _schema_paths() -> dict:
    import django

    django.setup()
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.settings import patched_settings

    from sladesk.api.drf_settings import SPECTACULAR

    with patched_settings(SPECTACULAR):
        return SchemaGenerator().get_schema(request=None, public=True)["paths"]


#: path prefix -> the world's object whose id a "real id" run puts in ``{id}``.
_REAL_IDS = {
    "/api/v1/tickets/": lambda w: w.acme_ticket.pk,
    "/api/v1/organizations/": lambda w: w.acme.pk,
    "/api/v1/contacts/": lambda w: w.acme_other.pk,
    "/api/v1/teams/": lambda w: w.team.pk,
    "/api/v1/agents/": lambda w: w.agent.pk,
    "/api/v1/pages/": lambda w: _page_of(w.acme_ticket).pk,
    "/api/v1/schedules/": lambda w: _schedule_of(w).pk,
    "/api/v1/macros/": lambda w: _macro_of(w.agent).pk,
}


def _macro_of(agent):
    """A personal macro of ``agent`` (the world's macro is shared: the agent may not write it)."""
    from sladesk.macros.models import Macro

    return Macro.objects.create(name="Mine", body="Hi {{ requester.name }}", owner=agent)


def _schedule_of(w):
    """An on-call schedule of the world's team, the agent on call weekly."""
    from sladesk.oncall.services.schedules import create_schedule

    return create_schedule(
        team=w.team,
        name="schema",
        timezone="Europe/Berlin",
        rotations=[
            {"participants": [w.agent.username], "length": "1w", "handoff": "2026-03-23T09:00"}
        ],
    )


def _page_of(ticket):
    """A page about ``ticket`` (the world has none: P2 tickets do not page)."""
    from sladesk.notify.pages import page_oncall

    return page_oncall(ticket, "schema test")


@pytest.fixture
def keep_test_connection():
    """Requests through the raw WSGI app must not close the test's database connection.

    Django closes "obsolete" connections when a request starts and finishes; inside the
    test's transaction that is the test connection itself (PostgreSQL then answers "the
    connection is closed"). Django's own test client disconnects the same handler.
    """
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


_CASES = [
    (method, path, mode)
    for method, path in _operations()
    for mode in ("positive", "positive-real-ids", "negative")
    if (mode != "positive-real-ids" or "{id}" in path)
    and (mode != "negative" or _negatable(method, path))
]


@pytest.mark.parametrize(("method", "path", "mode"), _CASES)
def test_no_server_errors(world, keep_test_connection, method, path, mode):
    from django.core.wsgi import get_wsgi_application
    from hypothesis import given

    from sladesk.signin.tokens import issue_token

    # given the served schema and an agent's token
    headers = {"Authorization": f"Token {issue_token(world.agent, 'schema')[1]}"}
    loaded = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    operation = loaded[path][method]
    kwargs = {}
    if mode == "positive-real-ids":
        real = next(f for prefix, f in _REAL_IDS.items() if path.startswith(prefix))
        kwargs["path_parameters"] = {"id": real(world)}
    generation_mode = (
        schemathesis.GenerationMode.NEGATIVE
        if mode == "negative"
        else schemathesis.GenerationMode.POSITIVE
    )

    # when generated requests are sent, then none answers 5xx
    @given(case=operation.as_strategy(generation_mode, **kwargs))
    @settings(
        max_examples=_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case):
        case.call_and_validate(headers=headers, checks=_CHECKS)

    run()
