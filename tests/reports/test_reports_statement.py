"""Monthly customer statements: HTML and PDF (read back with pdftotext), the account
team's mail through the outbox, the portal for the organization's own contacts only."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date

import pytest

from sladesk.reports.statement import build_statement, render_pdf, send_statement

pytestmark = pytest.mark.django_db


def _pdf_text(data: bytes, tmp_path) -> str:
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed"
    path = tmp_path / "s.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    return " ".join(out.split())  # table cells wrap: compare words


def test_statement_pdf_states_policy_targets_attainment_and_breaches(scenario, tmp_path):
    # given Acme's October (the late P1 reply breached over the DST weekend)
    acme = scenario.orgs[0]
    s = build_statement(acme, date(2026, 10, 1))
    # when it is rendered as PDF and read back
    text = _pdf_text(render_pdf(s), tmp_path)
    # then it names the policy, the targets, the attainment and each breach's reason
    assert "SLA statement October 2026" in text and "Acme" in text
    assert "Particle" in text and "first_response" in text
    assert "late first reply" in text and "re-targeted by a priority change" in text
    assert f"#{scenario.tickets['late'].pk}" in text


def test_statement_hides_internal_clocks(scenario):
    # given freistilbox keeps its dispatch clock internal
    webwerk = scenario.orgs[2]
    s = build_statement(webwerk, date(2026, 10, 1))
    # then the statement shows no dispatch figure or target
    assert all(r["metric"] != "dispatch" for r in s.rows)
    assert all(m != "dispatch" for _, _, shown in s.targets for m, _ in shown)


def test_statement_mail_goes_to_the_account_team_once(scenario):
    from sladesk.accounts.models import AccountTeamMember
    from sladesk.notify.models import OutboxMessage

    acme = scenario.orgs[0]
    AccountTeamMember.objects.create(
        organization=acme, user=scenario.agent, role="Technical Account Manager"
    )
    # when the statement is sent twice
    assert send_statement(acme, date(2026, 10, 1)) == 1
    send_statement(acme, date(2026, 10, 1))
    # then one mail is queued to the account manager, with the breaches in words
    rows = list(OutboxMessage.objects.filter(purpose="statement"))
    assert len(rows) == 1 and rows[0].destination == f"user:{scenario.agent.pk}"
    assert "late first reply" in rows[0].payload["body"]


def test_portal_shows_own_statement_only(scenario, client, make_contact, tmp_path):
    acme, bright = scenario.orgs[0], scenario.orgs[1]
    pat = make_contact(acme, "pat@acme.example", login=True)
    client.force_login(pat.user)
    # when Acme's contact opens the statements
    assert "October 2026" in client.get("/portal/statements/").content.decode()
    page = client.get("/portal/statements/2026-10/").content.decode()
    # then it is Acme's, and the PDF reads the same
    assert "Acme" in page and "late first reply" in page and "Bright" not in page
    pdf = client.get("/portal/statements/2026-10/", {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    assert "Acme" in _pdf_text(pdf.content, tmp_path)
    # a bad month is a clear 400; the desk's statement of another organization is not reachable
    bad = client.get("/portal/statements/2026-13/")
    assert bad.status_code == 400 and "YYYY-MM" in bad.content.decode()
    assert client.get(f"/desk/reports/statements/{bright.pk}/2026-10/").status_code in (
        302,
        403,
        404,
    )


def test_desk_statement_for_agents(scenario, client):
    client.force_login(scenario.agent)
    res = client.get(f"/desk/reports/statements/{scenario.orgs[1].pk}/2026-10/")
    assert res.status_code == 200 and "Bright" in res.content.decode()
    assert client.get("/desk/reports/statements/999999/2026-10/").status_code == 404
