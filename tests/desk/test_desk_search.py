"""The inbox search box: full text, best match first, within the view and the filters, and
only inside an agent's scope (`sladesk.tickets.search` through `desk.queries.inbox_rows`).

``ui`` (support.fixtures.web): Acme's "Cellular reconnects" (P2, running clocks) and
Bright's "Dashboards slow".
"""

from __future__ import annotations

from urllib.parse import urlencode

from sladesk.tickets import services


def _rows(client, **params) -> list[int]:
    page = client.get("/desk/?" + urlencode(params))
    assert page.status_code == 200
    return [r.ticket.pk for r in page.context["rows"]]


def test_inbox_search_finds_message_text_ranked_within_filters(client, ui):
    # given "antenna" in Bright's subject and in a note on Acme's ticket
    services.update_fields(ui.bright_ticket, subject="Antenna dashboards slow", actor=ui.agent)
    services.add_note(ui.acme_ticket, author=ui.agent, body="swap the antenna")
    client.force_login(ui.agent)
    # then the subject match ranks first, the note's ticket follows
    assert _rows(client, view="all", q="antenna") == [ui.bright_ticket.pk, ui.acme_ticket.pk]
    # and the other filters still apply
    assert _rows(client, view="all", q="antenna", organization=ui.acme.pk) == [ui.acme_ticket.pk]
    # and words in any order, across parts (organization name + note text)
    assert _rows(client, view="all", q="antenna acme") == [ui.acme_ticket.pk]


def test_scoped_agent_searches_only_inside_the_scope(client, ui):
    from sladesk.accounts.models import AgentProfile

    # given Bob scoped to Acme
    AgentProfile.objects.get(user=ui.bob).scope_organizations.set([ui.acme])
    client.force_login(ui.bob)
    # then Bright's ticket is not found by its subject nor by its number
    assert _rows(client, view="all", q="dashboards") == []
    assert _rows(client, view="all", q=f"#{ui.bright_ticket.pk}") == []
    assert _rows(client, view="all", q="cellular") == [ui.acme_ticket.pk]
