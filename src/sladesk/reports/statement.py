"""The monthly customer statement of one organization: its policy and plan, the targets,
attainment, breaches with reasons, uptime; as HTML and PDF, mailed to the account team.

A statement covers tickets opened in one UTC calendar month ``[first day, next first
day)``. Clocks the policy keeps from customers (``internal_clocks``, e.g. freistilbox's
dispatch) are left out: the same statement is shown to the organization's contacts.
Uptime: the policy's ``uptime_target`` is stated; sladesk does not measure uptime yet,
so the statement says "not measured" rather than inventing a figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.template.loader import render_to_string

from sladesk.accounts.models import Organization
from sladesk.core import time as core_time
from sladesk.core.policies import get_policy, targets_for
from sladesk.notify import outbox
from sladesk.notify.channels.base import Notification
from sladesk.notify.links import absolute
from sladesk.notify.recipients import account_team

from .attainment import Breach, attainment, breaches

__all__ = [
    "Statement",
    "build_statement",
    "month_of",
    "render_html",
    "render_pdf",
    "send_statement",
]


def month_of(text: str) -> date:
    """``YYYY-MM`` -> its first day; ValueError naming the input otherwise."""
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, got {text[:20]!r}") from None


def _next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class Statement:
    organization: Organization
    month: date
    policy_name: str
    policy_title: str
    plan: str
    region: str
    targets: list[tuple[str, str, list[tuple[str, str]]]]  # (priority key, name, [(metric, text)])
    rows: list[dict[str, Any]]
    breaches: list[Breach]
    uptime_target: float | None

    @property
    def end(self) -> date:
        return _next_month(self.month)


def build_statement(org: Organization, month: date) -> Statement:
    """The statement of ``org`` for tickets opened in the UTC month starting ``month``."""
    pf = get_policy(org.policy_name)
    policy = pf.policy
    hidden = set(policy.internal_clocks)
    targets = []
    for level in policy.priorities:
        try:
            got = targets_for(policy, level.key, org.plan or None, org.region or None)
        except Exception:
            got = {}
        shown = [(m, t.text) for m, t in got.items() if m not in hidden]
        if shown:
            targets.append((level.key, level.name, shown))
    end = _next_month(month)
    rows = [
        r
        for r in attainment(month, end, ["priority", "metric"], {org.pk})
        if r["metric"] not in hidden
    ]
    listed = [b for b in breaches(month, end, {org.pk}) if b.metric not in hidden]
    return Statement(
        organization=org,
        month=month,
        policy_name=policy.name,
        policy_title=policy.title,
        plan=org.plan or (policy.default_plan or ""),
        region=org.region or (policy.default_region or ""),
        targets=targets,
        rows=rows,
        breaches=listed,
        uptime_target=policy.uptime_target,
    )


def render_html(statement: Statement, *, standalone: bool = True) -> str:
    """The statement as HTML (a whole document when ``standalone``, else a fragment)."""
    return render_to_string("reports/statement.html", {"s": statement, "standalone": standalone})


def render_pdf(statement: Statement) -> bytes:
    """The statement as PDF, rendered by WeasyPrint from the same HTML."""
    from weasyprint import HTML

    return HTML(string=render_html(statement)).write_pdf()  # type: ignore[no-any-return]


def send_statement(org: Organization, month: date) -> int:
    """Queue the statement mail to ``org``'s account team through the outbox; returns the
    number of rows queued. Idempotent per organization, month and recipient."""
    s = build_statement(org, month)
    label = month.strftime("%B %Y")
    met = sum(r["met"] for r in s.rows)
    breached = sum(r["breached"] for r in s.rows)
    path = f"/desk/reports/statements/{org.pk}/{month:%Y-%m}/"
    summary = f"SLA statement {label}: {org.name}"
    body = (
        f"{org.name}, {label} ({s.policy_title}, plan {s.plan or 'default'}): "
        f"{met} promises met, {breached} breached.\n"
        + "".join(
            f"- #{b.ticket_id} {b.metric} ({b.priority}): {b.reason}\n" for b in s.breaches[:50]
        )
        + f"\nThe statement (HTML, PDF): {absolute(path)}\n"
    )
    now = core_time.now()
    rows = []
    for r in account_team_of(org):
        key = f"statement:{org.pk}:{month:%Y-%m}:{r.channel}:{r.destination}"
        note = Notification(
            idempotency_key=key,
            channel=r.channel,
            summary=summary,
            body=body,  # type: ignore[arg-type]
            severity="info",
            extra={"organization": org.pk, "month": f"{month:%Y-%m}"},
        )
        rows.append(outbox.message(note, r, key=key, purpose="statement", at=now))
    outbox.enqueue(rows)
    return len(rows)


def account_team_of(org: Organization) -> list[Any]:
    """The organization's account team as outbox recipients."""

    class _T:  # `account_team` reads only ``organization_id``
        organization_id = org.pk

    return account_team(_T())  # type: ignore[arg-type]
