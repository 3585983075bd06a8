"""What the API's hot paths save stays correct: the policy-snapshot cache and ``anyof``.

The snapshot cache (`sladesk.tickets.services._base._snapshot`) only remembers committed
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
    from rest_framework.authtoken.models import Token

    from sladesk.core.compiled import CompiledQuery

    # given a contact's token and an agent's token
    org = make_org("particle-enterprise")
    contact = make_contact(org, login=True)
    tokens = [Token.objects.create(user=contact.user), Token.objects.create(user=agent)]
    query = CompiledQuery(
        lambda key: Token.objects.select_related(
            "user", "user__agent_profile", "user__contact__organization"
        ).filter(key=key),
        str,
    )
    for token in tokens:
        # when each is looked up compiled, then its role rows are read
        (got,) = query(token.key)
        with CaptureQueriesContext(connection) as queries:
            has_profile = hasattr(got.user, "agent_profile")
            has_contact = hasattr(got.user, "contact")
            org_name = got.user.contact.organization.name if has_contact else None
        # then it is the token, its user and role rows came with it, and no query followed
        assert (got.pk, got.user_id, got.created) == (token.pk, token.user_id, token.created)
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
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    client = APIClient()
    token = Token.objects.create(user=agent)
    # given a valid token, then an unknown one, then the valid one of a deactivated user
    ok = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {token.key}")
    unknown = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION="Token 0123456789abcdef")
    agent.is_active = False
    agent.save(update_fields=["is_active"])
    inactive = client.get("/api/v1/tickets/", HTTP_AUTHORIZATION=f"Token {token.key}")
    # then only the first is answered
    assert ok.status_code == 200
    assert unknown.status_code == 401 and "Invalid token" in unknown.content.decode()
    assert inactive.status_code == 401 and "inactive" in inactive.content.decode()
