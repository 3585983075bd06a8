"""Full-text search (`sladesk.tickets.search`): the query language, what each part of a
ticket contributes, who finds what, and that the services keep the documents current —
on SQLite (FTS5) and PostgreSQL (tsvector + GIN) alike.

``found`` fixture: Acme (particle-enterprise) and Globex (houseware) tickets with words
placed in exactly one part each (subject, public message, internal note, tag,
organization name, requester).
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sladesk.tickets.search.query import MAX_TERMS, Query, Term, fts5, parse, tsquery

_WORD = re.compile(r"^[^\W_]+$")
_OPERATORS = [
    '"',
    "*",
    "NEAR",
    "AND",
    "OR",
    "NOT",
    "(",
    ")",
    ":",
    "&",
    "!",
    "<->",
    "'",
    "-",
    "^",
    "{x}",
]
_HOSTILE = st.text(
    alphabet=st.one_of(st.sampled_from("\"'*&|!():<>\\^+-{}#%_;,. \t\n\0"), st.characters()),
    max_size=80,
) | st.lists(st.sampled_from([*_OPERATORS, "a", "#1", "1"]), max_size=12).map(" ".join)


# ------------------------------------------------------------------ the query language
@given(_HOSTILE)
def test_parse_never_raises_and_keeps_words_only(text: str) -> None:
    # given any text / when parsed and rendered for both backends
    query = parse(text)
    rendered_pg, rendered_fts = tsquery(query), fts5(query, ("subject",))
    # then every term is made of words alone: no operator character survives
    assert len(query.terms) <= MAX_TERMS
    for term in query.terms:
        assert term.words and all(_WORD.match(w) for w in term.words)
    # and the renderings hold nothing but quoted words and the renderer's own operators
    assert re.sub(r"'[^\W_]+'(:\*)?|<->|&|[() ]", "", rendered_pg) == ""
    stripped = re.sub(r'"[^\W_]+( [^\W_]+)*"( \*)?|AND|[(){}: ]|subject', "", rendered_fts)
    assert stripped == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("disk full", Query((Term(("disk",)), Term(("full",))))),
        ('"Disk full" migrat*', Query((Term(("disk", "full")), Term(("migrat",), True)))),
        ('"unclosed phrase', Query((Term(("unclosed", "phrase")),))),
        ("ann@example.com", Query((Term(("ann", "example", "com")),))),
        ("#123", Query((Term(("123",)),), 123)),
        (" 123 ", Query((Term(("123",)),), 123)),
        ("#123 disk", Query((Term(("123",)), Term(("disk",))))),
        ("' OR 1=1 --", Query((Term(("or",)), Term(("1", "1"))))),
        ('"" * & | !', Query()),
    ],
)
def test_parse_table(text: str, expected: Query) -> None:
    assert parse(text) == expected


def test_renderings() -> None:
    query = parse('"disk full" migrat* #7')
    assert tsquery(query) == "('disk' <-> 'full') & 'migrat':* & '7'"
    assert fts5(query) == '"disk full" AND "migrat" * AND "7"'
    assert (
        fts5(query, ("subject", "body")) == '{subject body} : ("disk full" AND "migrat" * AND "7")'
    )


# ------------------------------------------------------------------ against the database
@pytest.fixture
def found(world: SimpleNamespace, make_org: Any, make_contact: Any) -> SimpleNamespace:
    """Tickets with words in exactly one part each."""
    from sladesk.tickets import services

    zeta = make_org("houseware", name="Zetaworks Holdings")
    zeta_contact = make_contact(zeta, "quinn.requester@zeta.example")
    subject = services.open_ticket(
        organization=world.acme,
        requester=world.acme_contact,
        subject="Gateway firmware rollback failed",
        description="see subject",
    )
    body = services.open_ticket(
        organization=world.acme,
        requester=world.acme_contact,
        subject="Question",
        description="hello",
    )
    services.reply(body, author=world.agent, body="The watchdog restarted the modem twice.")
    note = services.open_ticket(
        organization=world.acme,
        requester=world.acme_contact,
        subject="Another question",
        description="hi",
    )
    services.add_note(note, author=world.agent, body="Suspect the quartzite driver")
    tagged = services.open_ticket(
        organization=world.acme,
        requester=world.acme_contact,
        subject="Tagged",
        description="x",
    )
    services.add_tags(tagged, tags=["cluster:c42-blueberry"], actor=world.agent)
    org = services.open_ticket(
        organization=zeta, requester=zeta_contact, subject="Printer", description="x"
    )
    return SimpleNamespace(
        subject=subject, body=body, note=note, tagged=tagged, org=org, **vars(world)
    )


def _ids(user: Any, text: str) -> set[int]:
    from sladesk.tickets import access, search

    public_only = not access.scope_of(user).is_staff
    return set(
        access.visible_tickets(user)
        .filter(search.match_q(text, public_only=public_only))
        .values_list("pk", flat=True)
    )


@pytest.mark.parametrize(
    ("text", "which"),
    [
        ("rollback firmware", "subject"),  # words in any order
        ("ROLLBACK gateway failed", "subject"),
        ('"firmware rollback"', "subject"),  # a phrase
        ("roll*", "subject"),  # a prefix
        ("watchdog modem", "body"),  # only in a public message
        ('"restarted the modem"', "body"),
        ("zetaworks", "org"),  # only in the organization's name
        ("quinn requester", "org"),  # the requester's e-mail address
        ('"quinn.requester@zeta.example"', "org"),
        ("blueberry", "tagged"),  # only in a tag
        ("c42", "tagged"),
        ("quartzite", "note"),  # an internal note: agents find it
    ],
)
def test_agent_finds_each_part(found: SimpleNamespace, text: str, which: str) -> None:
    assert _ids(found.agent, text) == {getattr(found, which).pk}


def test_words_must_all_occur_and_phrase_order_matters(found: SimpleNamespace) -> None:
    assert _ids(found.agent, "firmware watchdog") == set()  # in two different tickets
    assert _ids(found.agent, '"rollback firmware"') == set()  # wrong order for a phrase
    assert _ids(found.agent, "rollbac") == set()  # a prefix only with *


def test_number_finds_the_ticket(found: SimpleNamespace) -> None:
    number = found.body.pk
    assert number in _ids(found.agent, f"#{number}")
    assert number in _ids(found.agent, str(number))


def test_contacts_search_public_text_of_their_own_tickets(found: SimpleNamespace) -> None:
    contact = found.acme_contact.user
    assert _ids(contact, "watchdog") == {found.body.pk}
    assert _ids(contact, "quartzite") == set()  # internal notes are not theirs to search
    assert _ids(contact, "zetaworks") == set()  # another organization
    assert _ids(contact, f"#{found.org.pk}") == set()


def test_scoped_agent_does_not_find_other_organizations(found: SimpleNamespace) -> None:
    from django.contrib.auth.models import User

    from sladesk.accounts.models import AgentProfile

    olga = User.objects.create_user("olga", "olga@desk.example", "pw")
    AgentProfile.objects.create(user=olga).scope_organizations.set([found.acme])
    assert _ids(olga, "zetaworks") == set()
    assert _ids(olga, f"#{found.org.pk}") == set()
    assert _ids(olga, "quartzite") == {found.note.pk}


def test_services_keep_documents_current(found: SimpleNamespace) -> None:
    from sladesk.tickets import services

    # when the subject and tags change, and a ticket is merged into another
    services.update_fields(
        found.subject, subject="Renamed thing", tags=["vortex"], actor=found.agent
    )
    assert _ids(found.agent, "rollback") == set()
    assert _ids(found.agent, "renamed vortex") == {found.subject.pk}
    services.merge(found.body, into=found.note, actor=found.agent)
    # then the moved message is found on the ticket it moved to
    assert _ids(found.agent, "watchdog quartzite") == {found.note.pk}


def test_ranked_ids_best_match_first_and_pages(found: SimpleNamespace) -> None:
    from sladesk.tickets import search, services
    from sladesk.tickets.models import Ticket

    # given "pelican" in one subject (weight A) and twice in another ticket's message (C)
    services.reply(found.tagged, author=found.agent, body="pelican pelican")
    services.update_fields(found.subject, subject="Pelican crossing", actor=found.agent)
    qs = Ticket.objects.all()
    # then the subject match ranks first; pages continue without repeats
    assert search.ranked_ids(qs, "pelican", public_only=False, limit=10) == [
        found.subject.pk,
        found.tagged.pk,
    ]
    assert search.ranked_ids(qs, "pelican", public_only=False, limit=1, offset=1) == [
        found.tagged.pk
    ]
    # and within the caller's rows only
    assert search.ranked_ids(
        qs.exclude(pk=found.subject.pk), "pelican", public_only=False, limit=10
    ) == [found.tagged.pk]
    # and a number query puts that ticket first, then the text matches
    assert search.ranked_ids(qs, str(found.note.pk), public_only=False, limit=5)[0] == found.note.pk


def test_only_the_newest_matches_are_ranked_then_older_ones_follow(
    found: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sladesk.tickets import search, services
    from sladesk.tickets.models import Ticket

    # given "heron" in three tickets, the oldest with it in its subject (ranks best)
    services.update_fields(found.subject, subject="Heron", actor=found.agent)
    services.reply(found.body, author=found.agent, body="heron")
    services.reply(found.tagged, author=found.agent, body="heron")
    qs = Ticket.objects.filter(organization=found.acme)
    assert search.ranked_ids(qs, "heron", public_only=False, limit=10) == [
        found.subject.pk,
        found.tagged.pk,
        found.body.pk,
    ]
    # when only the newest two are ranked
    monkeypatch.setattr(search, "RANK_CANDIDATES", 2)
    # then the best of those two comes first, then the older match; pages agree
    expected = [found.tagged.pk, found.body.pk, found.subject.pk]
    assert search.ranked_ids(qs, "heron", public_only=False, limit=10) == expected
    pages = [search.ranked_ids(qs, "heron", public_only=False, limit=1, offset=n) for n in range(4)]
    assert pages == [[pk] for pk in expected] + [[]]


def test_reindex_builds_missing_documents(found: SimpleNamespace) -> None:
    from django.core.management import call_command
    from django.db import connection

    # given the search table emptied (tickets written before it existed)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ticket_search")
    assert _ids(found.agent, "quartzite") == set()
    # when the backfill command runs
    call_command("search_reindex", "--batch-size", "2", verbosity=0)
    # then everything is found again
    assert _ids(found.agent, "quartzite") == {found.note.pk}
    assert _ids(found.agent, "zetaworks") == {found.org.pk}


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=_HOSTILE)
def test_hostile_queries_run_on_the_database(world: SimpleNamespace, text: str) -> None:
    from sladesk.tickets import search
    from sladesk.tickets.models import Ticket

    # given any text / when used as a search on the real backend / then it runs
    list(Ticket.objects.filter(search.match_q(text, public_only=True)).values_list("pk", flat=True))
    search.ranked_ids(Ticket.objects.all(), text, public_only=False, limit=5)
