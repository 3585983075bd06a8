"""``/desk/reports/``: SLA attainment with charts, the breach list, CSV/XLSX export, and
``/desk/reports/replay/``: what-if replay of a policy file or stored version. Agents and admins.

Thin: parse the filters, call `sladesk.reports`, render.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sladesk.accounts.models import Organization
from sladesk.core import time as core_time
from sladesk.core.policies import available_policies, policy_from_text
from sladesk.reports.access import report_scope
from sladesk.reports.attainment import attainment, breaches, parse_group_by
from sladesk.reports.charts import bar_chart
from sladesk.reports.export import columns_of, to_csv, to_xlsx
from sladesk.reports.replay import replay, tickets_since
from sladesk.reports.views import statement_response
from sladesk.tickets.models import PolicyVersion
from sladesk.web.access import agent_required

__all__ = ["replay_page", "reports", "statement"]

GROUPINGS = {
    "organization,priority,metric": "Organization, priority, metric",
    "month,metric": "Month, metric",
    "week,metric": "Week, metric",
    "priority,metric": "Priority, metric",
    "team,metric": "Team, metric",
    "plan,metric": "Plan, metric",
}


def _date(raw: str | None, default: date, errors: list[str], name: str) -> date:
    if not raw:
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        errors.append(f"{name} must be a date YYYY-MM-DD, got {raw[:40]!r}")
        return default


def _filters(request: HttpRequest) -> dict[str, Any]:
    today = core_time.now().astimezone(UTC).date()
    errors: list[str] = []
    a_year_ago = (today.replace(day=1) - timedelta(days=334)).replace(
        day=1
    )  # 12 months with this one
    start = _date(request.GET.get("from"), a_year_ago, errors, "from")
    end = _date(request.GET.get("to"), today + timedelta(days=1), errors, "to")
    if end <= start:
        errors.append("to must be after from")
        end = start + timedelta(days=1)
    if (end - start).days > 3 * 366:
        errors.append("at most three years at once")
        end = start + timedelta(days=3 * 366)
    grouping = request.GET.get("group_by") or "organization,priority,metric"
    try:
        group_by = parse_group_by(grouping)
    except ValueError as exc:
        errors.append(str(exc))
        grouping, group_by = "organization,priority,metric", ["organization", "priority", "metric"]
    scope = report_scope(request.user)
    org_raw = request.GET.get("organization") or ""
    orgs = scope
    if org_raw:
        if org_raw.isdigit() and (scope is None or int(org_raw) in scope):
            orgs = {int(org_raw)}
        else:
            errors.append(f"no organization {org_raw[:40]!r}")
    return {
        "start": start,
        "end": end,
        "group_by": group_by,
        "grouping": grouping,
        "orgs": orgs,
        "organization": org_raw,
        "errors": errors,
    }


def _label(row: dict[str, Any], group_by: list[str], names: dict[int, str]) -> str:
    parts = []
    for g in group_by:
        v = row[g]
        if g == "organization":
            v = names.get(v, f"#{v}")
        parts.append("no team" if g == "team" and v is None else str(v))
    return " · ".join(parts)


@agent_required
def reports(request: HttpRequest) -> HttpResponse:
    """Attainment over tickets opened in ``[from, to)`` (UTC days) grouped by ``group_by``,
    for one ``organization`` or all; ``?format=csv`` / ``xlsx`` downloads the same rows."""
    f = _filters(request)
    rows = attainment(f["start"], f["end"], f["group_by"], f["orgs"])
    columns = columns_of(f["group_by"])
    fmt = request.GET.get("format")
    stem = f"attainment-{f['start']}-{f['end']}"
    if fmt == "csv":
        resp = HttpResponse(to_csv(rows, columns), content_type="text/csv; charset=utf-8")
        resp["Content-Disposition"] = f'attachment; filename="{stem}.csv"'
        return resp
    listed = breaches(f["start"], f["end"], f["orgs"])
    if fmt == "xlsx":
        resp = HttpResponse(
            to_xlsx(rows, columns, listed),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        resp["Content-Disposition"] = f'attachment; filename="{stem}.xlsx"'
        return resp
    names = dict(Organization.objects.values_list("pk", "name"))
    by_metric = attainment(f["start"], f["end"], ["metric"], f["orgs"])
    chart_met = bar_chart(
        "% met by grouping", [(_label(r, f["group_by"], names), r["pct_met"]) for r in rows[:40]]
    )
    chart_metric = bar_chart("% met by metric", [(r["metric"], r["pct_met"]) for r in by_metric])
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "desk/reports.html",
        {
            "nav": "reports",
            **f,
            "rows": [(_label(r, f["group_by"], names), r) for r in rows],
            "breaches": listed,
            "names": names,
            "chart_met": chart_met,
            "chart_metric": chart_metric,
            "groupings": GROUPINGS,
            "organizations": Organization.objects.order_by("name"),
            "query": query.urlencode(),
            "end_shown": f["end"] - timedelta(days=1),
        },
    )


def _policy_choices() -> list[tuple[str, str]]:
    files = [
        (f"file:{name}", f"{pf.path.name} (file: {pf.policy.title})")
        for name, pf in sorted(available_policies().items())
    ]
    versions = [
        (
            f"version:{v.pk}",
            f"{v.name} version {v.digest[:12]} (first used {v.first_seen_at:%Y-%m-%d})",
        )
        for v in PolicyVersion.objects.order_by("name", "-first_seen_at")[:100]
    ]
    return files + versions


def _policy(choice: str) -> Any:
    kind, _, key = choice.partition(":")
    if kind == "file" and key in available_policies():
        return available_policies()[key].policy
    if kind == "version" and key.isdigit():
        v = PolicyVersion.objects.filter(pk=int(key)).first()
        if v is not None:
            return policy_from_text(v.text, source=v.source or v.name)
    return None


@agent_required
def replay_page(request: HttpRequest) -> HttpResponse:
    """GET: the form; POST: replay the tickets of one organization (or all) opened since a
    date under the chosen policy file or stored version, and show before → after."""
    report_scope(request.user)
    ctx: dict[str, Any] = {
        "nav": "reports",
        "choices": _policy_choices(),
        "organizations": Organization.objects.order_by("name"),
        "errors": [],
    }
    if request.method == "POST":
        choice = request.POST.get("policy", "")
        policy = _policy(choice)
        if policy is None:
            ctx["errors"].append("pick a policy file or version from the list")
        since = None
        try:
            since = date.fromisoformat(request.POST.get("since", ""))
        except ValueError:
            ctx["errors"].append("since must be a date YYYY-MM-DD")
        org = None
        org_raw = request.POST.get("organization", "")
        if org_raw:
            org = (
                Organization.objects.filter(pk=int(org_raw)).first() if org_raw.isdigit() else None
            )
            if org is None:
                ctx["errors"].append("no such organization")
        ctx.update(choice=choice, since=request.POST.get("since", ""), organization=org_raw)
        if not ctx["errors"] and since is not None:
            start = datetime.combine(since, time(0), tzinfo=UTC)
            result = replay(tickets_since(start, org), policy, core_time.now()).as_json()
            ctx["result"] = result
            ctx["table"] = [
                (metric, priority, result["before"].get(metric, {}).get(priority), after)
                for metric, by_p in result["after"].items()
                for priority, after in by_p.items()
            ]
        status = 400 if ctx["errors"] else 200
        return render(request, "desk/replay.html", ctx, status=status)
    return render(request, "desk/replay.html", ctx)


@agent_required
def statement(request: HttpRequest, org_id: int, month: str) -> HttpResponse:
    """The monthly statement of one organization (``?format=pdf``: as PDF)."""
    return statement_response(request, org_id, month, report_scope(request.user))
