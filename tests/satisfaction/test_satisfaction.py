"""Satisfaction: the survey mail queued on solve, the signed one-click links, the portal
rating, and the results on the desk page and in the API."""

from __future__ import annotations

import re
import time

import pytest
from rest_framework.test import APIClient

from sladesk.notify.models import OutboxMessage
from sladesk.satisfaction.models import SatisfactionRating
from sladesk.tickets import services

pytestmark = pytest.mark.django_db


def _links(row: OutboxMessage) -> dict[str, str]:
    found = re.findall(r"(Good|Bad):\s+(\S+)", row.payload["body"])
    return {
        label.lower(): url.split("testserver", 1)[-1].split("8000", 1)[-1] for label, url in found
    }


@pytest.fixture
def solved(ui):
    """Acme's ticket assigned to alice in her team, then solved by her."""
    services.assign(ui.acme_ticket, team=ui.team, assignee=ui.agent, actor=ui.agent)
    services.solve(ui.acme_ticket, actor=ui.agent)
    return ui.acme_ticket


def _survey_mail() -> OutboxMessage:
    return OutboxMessage.objects.get(purpose="satisfaction_survey")


# ------------------------------------------------------------------ the mail
def test_solving_queues_one_survey_mail_with_two_signed_links(ui, solved):
    # then one outbox row to the requester, with a good and a bad link of this survey
    row = _survey_mail()
    assert row.destination == f"email:{ui.acme_contact.email}"
    assert row.payload["extra"]["mail"]["subject"].startswith(f"[#{solved.pk}] How did we do?")
    links = _links(row)
    assert set(links) == {"good", "bad"}
    assert links["good"].startswith("/portal/satisfaction/") and links["good"].endswith("/good/")
    survey = SatisfactionRating.objects.get(ticket=solved)
    assert survey.agent_id == ui.agent.pk and survey.team_id == ui.team.pk and survey.rating == ""
    # the token carries the survey id only, nothing about the customer
    assert ui.acme_contact.email.split("@")[0] not in links["good"]


def test_a_ticket_solved_again_is_not_surveyed_twice(ui, solved):
    # given the customer reopened and the agent solved again
    services.reopen(solved, actor=ui.agent)
    services.solve(solved, actor=ui.bob)
    # then still one mail and one survey
    assert OutboxMessage.objects.filter(purpose="satisfaction_survey").count() == 1
    assert SatisfactionRating.objects.filter(ticket=solved).count() == 1


def test_a_refused_solve_queues_nothing(ui):
    # given a closed ticket cannot be solved: no survey
    services.solve(ui.bright_ticket, actor=ui.agent)
    services.close(ui.bright_ticket, actor=ui.agent)
    OutboxMessage.objects.filter(purpose="satisfaction_survey").delete()
    with pytest.raises(services.InvalidTransition):
        services.change_status(ui.bright_ticket, status="pending", actor=ui.agent)
    assert not OutboxMessage.objects.filter(purpose="satisfaction_survey").exists()


# ------------------------------------------------------------------ the links
def test_one_click_rates_and_the_first_answer_is_final(client, ui, solved):
    links = _links(_survey_mail())
    # when the requester clicks "good" (no sign-in)
    page = client.get(links["good"])
    # then the rating is stored and the page offers a comment
    assert page.status_code == 200 and b"you rated our support <strong>good" in page.content
    assert b'name="comment"' in page.content
    survey = SatisfactionRating.objects.get(ticket=solved)
    assert (survey.rating, survey.via) == ("good", "email") and survey.rated_at is not None
    # when they (or a mail scanner) click "bad" afterwards, nothing changes
    again = client.get(links["bad"])
    assert b"already; the first answer counts" in again.content
    assert SatisfactionRating.objects.get(ticket=solved).rating == "good"


def test_the_comment_after_the_click_is_stored_once(client, ui, solved):
    links = _links(_survey_mail())
    client.get(links["bad"])
    token = links["bad"].split("/")[3]
    # when the requester sends a comment, then a second one
    first = client.post(
        f"/portal/satisfaction/{token}/comment/", {"comment": "Took <b>three</b> days"}
    )
    client.post(f"/portal/satisfaction/{token}/comment/", {"comment": "changed my mind"})
    # then the first is kept, shown escaped
    assert b"Took &lt;b&gt;three&lt;/b&gt; days" in first.content
    assert SatisfactionRating.objects.get(ticket=solved).comment == "Took <b>three</b> days"


def test_a_comment_before_any_rating_is_not_stored(client, ui, solved):
    from sladesk.satisfaction.services import token_for

    survey = SatisfactionRating.objects.get(ticket=solved)
    client.post(f"/portal/satisfaction/{token_for(survey)}/comment/", {"comment": "hi"})
    assert SatisfactionRating.objects.get(ticket=solved).comment == ""


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-2] + "xx", lambda t: "1:" + t.split(":", 1)[1], lambda t: "garbage"]
)
def test_altered_links_are_refused_and_change_nothing(client, ui, solved, mangle):
    links = _links(_survey_mail())
    token = links["good"].split("/")[3]
    page = client.get(f"/portal/satisfaction/{mangle(token)}/good/")
    assert page.status_code == 400 and b"not valid" in page.content
    assert SatisfactionRating.objects.get(ticket=solved).rating == ""


def test_an_unknown_rating_word_is_404(client, ui, solved):
    token = _links(_survey_mail())["good"].split("/")[3]
    assert client.get(f"/portal/satisfaction/{token}/great/").status_code == 404


def test_an_expired_link_is_refused(client, ui, solved, monkeypatch):
    # given a link signed 31 days ago
    from sladesk.satisfaction.services import token_for

    survey = SatisfactionRating.objects.get(ticket=solved)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 31 * 86400)
    token = token_for(survey)
    monkeypatch.setattr(time, "time", real)
    # when clicked now, then it is refused with the reason
    page = client.get(f"/portal/satisfaction/{token}/good/")
    assert page.status_code == 400 and b"expired" in page.content
    assert SatisfactionRating.objects.get(ticket=solved).rating == ""


def test_a_token_signed_with_another_salt_is_refused(client, ui, solved):
    from django.core import signing

    survey = SatisfactionRating.objects.get(ticket=solved)
    forged = signing.dumps(survey.pk, salt="sladesk.something-else")
    assert client.get(f"/portal/satisfaction/{forged}/good/").status_code == 400


# ------------------------------------------------------------------ the portal
def test_the_requester_rates_a_solved_ticket_in_the_portal(client, ui, solved):
    client.force_login(ui.acme_contact.user)
    page = client.get(f"/portal/tickets/{solved.pk}/")
    assert b"How did we do?" in page.content
    response = client.post(
        f"/portal/tickets/{solved.pk}/rate/", {"rating": "good", "comment": "quick!"}, follow=True
    )
    assert b"Thank you for your rating." in response.content
    survey = SatisfactionRating.objects.get(ticket=solved)
    assert (survey.rating, survey.via, survey.comment) == ("good", "portal", "quick!")
    # the link from the mail now shows the answer that counts
    again = client.get(_links(_survey_mail())["bad"])
    assert (
        b"already" in again.content
        and SatisfactionRating.objects.get(ticket=solved).rating == "good"
    )


def test_an_open_ticket_or_another_organization_cannot_be_rated(client, ui, solved):
    client.force_login(ui.bright_contact.user)
    assert client.post(f"/portal/tickets/{solved.pk}/rate/", {"rating": "bad"}).status_code == 404
    response = client.post(
        f"/portal/tickets/{ui.bright_ticket.pk}/rate/", {"rating": "bad"}, follow=True
    )
    assert b"Not rated: a ticket is rated once it is solved." in response.content
    assert not SatisfactionRating.objects.filter(ticket=ui.bright_ticket).exists()
    assert SatisfactionRating.objects.get(ticket=solved).rating == ""


# ------------------------------------------------------------------ results
def _rated(ui, solved):
    from sladesk.satisfaction.services import rate

    rate(SatisfactionRating.objects.get(ticket=solved), "good", via="email")
    services.assign(ui.bright_ticket, assignee=ui.bob, actor=ui.bob)
    services.solve(ui.bright_ticket, actor=ui.bob)
    rate(SatisfactionRating.objects.get(ticket=ui.bright_ticket), "bad", via="email")


def test_the_desk_page_shows_results_per_agent_team_and_organization(client, ui, solved):
    _rated(ui, solved)
    client.force_login(ui.agent)
    page = client.get("/desk/satisfaction/").content.decode()
    agents = page.split('data-group="agent"')[1].split("</section>")[0]
    assert re.search(r"alice</td><td><strong>100 %", agents) and re.search(
        r"bob</td><td><strong>0 %", agents
    )
    orgs = page.split('data-group="organization"')[1].split("</section>")[0]
    assert "Acme" in orgs and "Bright" in orgs


def test_a_scoped_agent_sees_only_its_scope_and_contacts_not_at_all(client, ui, solved):
    from sladesk.accounts.models import AgentProfile

    _rated(ui, solved)
    AgentProfile.objects.get(user=ui.bob).scope_organizations.add(ui.bright)
    client.force_login(ui.bob)
    page = client.get("/desk/satisfaction/").content.decode()
    assert "Bright" in page and "Acme" not in page and "Cellular" not in page
    client.force_login(ui.acme_contact.user)
    assert client.get("/desk/satisfaction/").status_code == 403


@pytest.mark.parametrize(
    "group_by, names",
    [
        ("agent", {"alice": (1, 0), "bob": (0, 1)}),
        ("team", {"Product support": (1, 0), "—": (0, 1)}),
        ("organization", {"Acme": (1, 0), "Bright": (0, 1)}),
    ],
)
def test_the_api_groups_results(ui, solved, group_by, names):
    _rated(ui, solved)
    api = APIClient()
    api.force_authenticate(ui.agent)
    body = api.get(f"/api/v1/satisfaction/?group_by={group_by}").json()
    assert body["group_by"] == group_by
    assert {r["name"]: (r["good"], r["bad"]) for r in body["results"]} == names
    assert body["results"][0]["score"] == 100


def test_the_api_refuses_a_bad_group_and_contacts(ui, solved):
    api = APIClient()
    api.force_authenticate(ui.agent)
    response = api.get("/api/v1/satisfaction/?group_by=planet")
    assert response.status_code == 400 and "group_by" in str(response.json())
    api.force_authenticate(ui.acme_contact.user)
    assert api.get("/api/v1/satisfaction/").status_code == 403
    assert APIClient().get("/api/v1/satisfaction/").status_code == 401


def test_an_unassigned_ticket_is_credited_to_the_agent_who_solved_it(ui):
    services.solve(ui.bright_ticket, actor=ui.bob)
    assert SatisfactionRating.objects.get(ticket=ui.bright_ticket).agent_id == ui.bob.pk


def test_a_rolled_back_solve_leaves_no_survey_and_no_mail(ui):
    from django.db import transaction

    # given a solve inside a transaction that fails afterwards
    with pytest.raises(RuntimeError), transaction.atomic():
        services.solve(ui.acme_ticket, actor=ui.agent)
        raise RuntimeError("boom")
    # then neither the survey nor its mail exist
    assert not SatisfactionRating.objects.exists()
    assert not OutboxMessage.objects.filter(purpose="satisfaction_survey").exists()


def test_the_desk_page_costs_the_same_queries_with_more_answers(
    client, ui, solved, django_assert_max_num_queries
):
    from sladesk.satisfaction.services import rate

    rate(SatisfactionRating.objects.get(ticket=solved), "good", via="email")
    client.force_login(ui.agent)
    client.get("/desk/satisfaction/")
    with django_assert_max_num_queries(20) as few:
        client.get("/desk/satisfaction/")
    for n in range(5):
        t = services.open_ticket(
            organization=ui.acme, requester=ui.acme_contact, subject=f"s{n}", description="x"
        )
        services.assign(t, assignee=ui.bob, actor=ui.bob)
        services.solve(t, actor=ui.bob)
        rate(SatisfactionRating.objects.get(ticket=t), "bad", via="portal")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/desk/satisfaction/")
    assert page.content.decode().count("data-survey=") == 6
