"""The desk's reports page: charts without JavaScript, filters, breaches with reasons,
CSV and XLSX downloads (opened with openpyxl), replay; agents only."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.django_db

RANGE = {"from": "2026-10-01", "to": "2026-12-01"}


@pytest.fixture
def desk(scenario, client):
    client.force_login(scenario.agent)
    return client


def test_page_shows_svg_charts_and_breach_reasons(desk, scenario):
    # when an agent opens the reports over October-November
    res = desk.get("/desk/reports/", RANGE)
    body = res.content.decode()
    # then the charts are inline SVG with their figures in words, and breaches give reasons
    assert res.status_code == 200
    assert "<svg" in body and "<desc>" in body and "<script" not in body.split("<main")[-1]
    assert "late first reply" in body and "re-targeted by a priority change" in body
    assert f"#{scenario.tickets['late'].pk}" in body


def test_filter_by_organization_and_bad_filters(desk, scenario):
    bright = scenario.orgs[1]
    body = desk.get("/desk/reports/", {**RANGE, "organization": bright.pk}).content.decode()
    assert "Bright" in body and "Acme ·" not in body
    res = desk.get("/desk/reports/", {"from": "soon", "to": "2026-12-01", "group_by": "colour"})
    assert res.status_code == 200
    text = res.content.decode()
    assert "from must be a date" in text and "unknown group_by colour" in text


def test_csv_and_xlsx_downloads(desk, scenario):
    # when the same rows are downloaded as CSV and XLSX
    rows = list(
        csv.DictReader(
            io.StringIO(desk.get("/desk/reports/", {**RANGE, "format": "csv"}).content.decode())
        )
    )
    res = desk.get("/desk/reports/", {**RANGE, "format": "xlsx"})
    wb = load_workbook(io.BytesIO(res.content))
    # then the workbook has the attainment and the breaches, agreeing with the CSV
    sheet = list(wb["Attainment"].iter_rows(values_only=True))
    assert list(sheet[0])[:4] == ["organization", "priority", "metric", "tickets"]
    assert len(sheet) - 1 == len(rows) > 0
    assert sum(r[3] for r in sheet[1:]) == sum(int(r["tickets"]) for r in rows)
    breaches = list(wb["Breaches"].iter_rows(values_only=True))
    assert "late first reply" in {b[-1] for b in breaches[1:]}


def test_replay_page_runs_a_policy_file(desk, scenario):
    assert "particle-enterprise" in desk.get("/desk/reports/replay/").content.decode()
    res = desk.post(
        "/desk/reports/replay/",
        {
            "policy": "file:particle-enterprise",
            "since": "2026-10-01",
            "organization": scenario.orgs[0].pk,
        },
    )
    body = res.content.decode()
    assert (
        res.status_code == 200
        and "tickets replayed" in body
        and "every clock keeps its outcome" in body
    )
    bad = desk.post("/desk/reports/replay/", {"policy": "file:../../etc/passwd", "since": "x"})
    assert bad.status_code == 400 and "pick a policy" in bad.content.decode()


def test_contacts_cannot_see_reports(scenario, client, make_contact):
    contact = make_contact(scenario.orgs[0], "boss@acme.example", login=True)
    client.force_login(contact.user)
    assert client.get("/desk/reports/").status_code in (302, 403, 404)
    assert client.get("/desk/reports/", {"format": "xlsx"}).status_code in (302, 403, 404)
