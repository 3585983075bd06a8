"""What the API's hot paths save stays correct: the policy-snapshot cache and ``anyof``.

The snapshot cache (`sladesk.tickets.services.base.policy_snapshot`) only remembers committed
rows, so these tests commit (``transaction=True``); ``anyof`` runs on both databases.
"""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext


def _open(org, contact, subject: str = "Devices offline"):
    from sladesk.tickets import services

    return services.open_ticket(
        organization=org, requester=contact, subject=subject, description="Please help."
    )


@pytest.mark.django_db(transaction=True)
def test_second_ticket_under_a_policy_reads_no_snapshot_row(make_org, make_contact, frozen_now):
    # given a ticket opened (and committed) under particle-enterprise
    org = make_org("particle-enterprise")
    contact = make_contact(org)
    first = _open(org, contact)
    # when another ticket is opened under the same policy text
    with CaptureQueriesContext(connection) as queries:
        second = _open(org, contact, "Again")
    # then it points at the same snapshot row without reading the policy versions table
    assert second.policy_version_id == first.policy_version_id
    assert not [q for q in queries.captured_queries if "tickets_policyversion" in q["sql"]]
    assert second.policy_version is not first.policy_version  # each caller its own instance


@pytest.mark.django_db(transaction=True)
def test_snapshot_created_in_a_rolled_back_transaction_is_not_remembered(
    make_org, make_contact, frozen_now
):
    from sladesk.tickets.models import PolicyVersion, Ticket

    # given a ticket whose transaction (and so its new snapshot row) is rolled back
    org = make_org("houseware")
    contact = make_contact(org)
    with pytest.raises(RuntimeError), transaction.atomic():
        _open(org, contact)
        raise RuntimeError("roll back")
    assert not PolicyVersion.objects.exists()
    # when the next ticket is opened under the same policy
    ticket = _open(org, contact, "Again")
    # then it has a snapshot row that exists (not the rolled-back id)
    assert PolicyVersion.objects.filter(pk=ticket.policy_version_id).exists()
    assert Ticket.objects.get(pk=ticket.pk).policy_version.digest == ticket.policy_version.digest


@pytest.mark.django_db(transaction=True)
def test_flushing_the_database_forgets_remembered_snapshots(make_org, make_contact, frozen_now):
    from django.core.management import call_command

    from sladesk.tickets.models import PolicyVersion

    # given a remembered snapshot row
    org = make_org("esper")
    _open(org, make_contact(org))
    # when the whole database is flushed (as between transactional tests)
    call_command("flush", interactive=False, verbosity=0)
    org = make_org("esper")
    ticket = _open(org, make_contact(org))
    # then the next ticket snapshots anew into a row that exists
    assert PolicyVersion.objects.filter(pk=ticket.policy_version_id).exists()


@pytest.mark.django_db
def test_anyof_matches_what_in_matches(make_org, make_contact, frozen_now):
    from sladesk.tickets.models import SlaClock

    # given clocks of three tickets
    org = make_org("particle-enterprise")
    contact = make_contact(org)
    tickets = [_open(org, contact, f"T{i}") for i in range(3)]
    ids = [tickets[0].pk, tickets[2].pk]
    # when filtering by anyof, by in, and by an empty list
    got = set(SlaClock.objects.filter(ticket_id__anyof=ids).values_list("pk", flat=True))
    want = set(SlaClock.objects.filter(ticket_id__in=ids).values_list("pk", flat=True))
    empty = list(SlaClock.objects.filter(ticket_id__anyof=[]))
    # then anyof selects the same rows and an empty list none
    assert got == want and got
    assert empty == []


@pytest.mark.django_db
def test_anyof_writes_one_query_text_for_any_length_on_postgresql(make_org, make_contact):
    from sladesk.tickets.models import SlaClock

    # given two lists of different lengths
    # when the same anyof query is compiled for both
    texts = {
        str(SlaClock.objects.filter(ticket_id__anyof=ids).query.sql_with_params()[0])
        for ids in ([1], [1, 2, 3, 4, 5])
    }
    # then PostgreSQL gets one text (one array parameter); other databases an IN list each
    assert len(texts) == (1 if connection.vendor == "postgresql" else 2)


@pytest.mark.django_db
def test_compiled_query_returns_what_the_queryset_returns(make_org, make_contact, agent):
    from sladesk.core.compiled import CompiledQuery
    from sladesk.signin.models import ApiToken
    from sladesk.signin.tokens import issue_token

    # given a contact's token and an agent's token
    org = make_org("particle-enterprise")
    contact = make_contact(org, login=True)
    tokens = [issue_token(contact.user, "c")[0], issue_token(agent, "a")[0]]
    query = CompiledQuery(
        lambda digest: ApiToken.objects.select_related(
            "user", "user__agent_profile", "user__contact__organization"
        ).filter(digest=digest),
        str,
    )
    for token in tokens:
        # when each is looked up compiled, then its role rows are read
        (got,) = query(token.digest)
        with CaptureQueriesContext(connection) as queries:
            has_profile = hasattr(got.user, "agent_profile")
            has_contact = hasattr(got.user, "contact")
            org_name = got.user.contact.organization.name if has_contact else None
        # then it is the token, its user and role rows came with it, and no query followed
        assert (got.pk, got.user_id, got.created_at) == (token.pk, token.user_id, token.created_at)
        assert has_profile == (token.user == agent)
        assert org_name == (org.name if token.user != agent else None)
        assert queries.captured_queries == []
    # and an unknown key finds nothing
    assert query("no-such-key") == []


@pytest.mark.django_db
def test_compiled_query_refuses_a_lookup_that_transforms_its_value():
    from sladesk.accounts.models import Contact
    from sladesk.core.compiled import CompiledQuery

    # given a query whose parameter is escaped and wrapped by its lookup
    query = CompiledQuery(lambda text: Contact.objects.filter(email__contains=text), str)
    # when it is first run, then it says it cannot be compiled
    with pytest.raises(ValueError, match="transformed"):
        query("example")


@pytest.mark.django_db
def test_api_refuses_an_unknown_token_and_an_inactive_users_token(agent):
    from rest_framework.test import APIClient

    from sladesk.signin.tokens import issue_token

    client = APIClient()
    _, key = issue_token(agent, "test")
    # given a valid token, then an unknown one, then the valid one of a deactivated user
    ok = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {key}")
    unknown = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION="Token 0123456789abcdef")
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    inactive = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {key}")
    # then only the first is answered
    assert ok.status_code == 200
    assert unknown.status_code == 401 and "Invalid token" in unknown.content.decode()
    assert inactive.status_code == 401 and "inactive" in inactive.content.decode()


@pytest.mark.django_db
def test_small_bulk_inserts_are_values_rows_and_large_ones_unnest(make_org, make_contact):
    from sladesk.tickets.models import Tag

    # given a batch of 3 tags and one of 12
    small = [Tag(name=f"small-{i}") for i in range(3)]
    large = [Tag(name=f"large-{i}") for i in range(12)]
    # when both are bulk-inserted
    with CaptureQueriesContext(connection) as queries:
        Tag.objects.bulk_create(small)
        Tag.objects.bulk_create(large)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    # then every row is stored with its id, and on PostgreSQL the small batch is a VALUES
    # list while the large one keeps Django's UNNEST form
    assert all(t.pk for t in small + large)
    assert Tag.objects.filter(name__startswith="small-").count() == 3
    assert Tag.objects.filter(name__startswith="large-").count() == 12
    if connection.vendor == "postgresql":
        assert "UNNEST" not in inserts[0] and "VALUES" in inserts[0]
        assert "UNNEST" in inserts[1]


@pytest.mark.django_db
def test_agent_create_finds_the_requester_whatever_the_case_and_only_in_its_org(
    make_org, make_contact, agent, frozen_now
):
    from rest_framework.test import APIClient

    from sladesk.signin.tokens import issue_token

    # given a contact of one organization, and another organization without it
    org = make_org("particle-enterprise", name="Acme")
    other = make_org("particle-enterprise", name="Other")
    make_contact(org, "Dana_Ops@Acme.example")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issue_token(agent, 'test')[1]}")

    def create(org_id: int, email: str):
        body = {"subject": "Down", "organization": org_id, "requester": email}
        return client.post("/api/v1/tickets/", body, format="json")

    # when an agent names the requester in another case, a LIKE-wildcard lookalike, or
    # under the other organization
    found = create(org.pk, "dana_ops@ACME.example")
    lookalike = create(org.pk, "danaXops@acme.example")
    elsewhere = create(other.pk, "dana_ops@acme.example")
    # then only the first finds the contact
    assert found.status_code == 201, found.content
    assert found.json()["requester"] == "Dana_Ops@Acme.example"
    assert lookalike.status_code == 400 and "requester" in lookalike.json()["error"]["fields"]
    assert elsewhere.status_code == 400 and "requester" in elsewhere.json()["error"]["fields"]


@pytest.mark.django_db
def test_compiled_rows_match_values_list_and_fall_back_where_uncompilable(
    make_org, make_contact, frozen_now
):
    from sladesk.core.compiled import CompiledQuery
    from sladesk.tickets.models import SlaClock

    # given the clocks of two tickets
    org = make_org("particle-enterprise")
    contact = make_contact(org)
    ids = [_open(org, contact, f"T{i}").pk for i in range(2)]

    def build(ticket_ids):
        return (
            SlaClock.objects.filter(ticket_id__anyof=ticket_ids)
            .order_by("pk")
            .values_list("ticket_id", "metric", "due_at", "explanation", named=True)
        )

    # when the values_list query runs compiled (PostgreSQL) or built each time (SQLite:
    # anyof has one placeholder per id there), and without the fallback
    rows = CompiledQuery(build, list, fallback=True)(ids)
    strict = CompiledQuery(build, list)
    # then the rows are the queryset's, named tuples with decoded JSON, on both databases
    assert rows == list(build(ids)) and rows
    assert rows[0].explanation == build(ids)[0].explanation
    if connection.vendor == "postgresql":
        assert strict(ids) == rows
    else:
        with pytest.raises(ValueError):
            strict(ids)
