"""What-if replay: a ticket's clocks recomputed from its event history under another policy.

The instants at which people acted do not depend on the policy: a clock started when the
ticket opened, paused when it went pending, met at the first public reply, restarted at
each update, re-targeted at a priority change. Replay walks a ticket's ``clock`` and
``priority`` events in order (``at``, ``id``) and applies the same transitions
(`sladesk.tickets.clocks`) at the same instants, with the *other* policy's targets for
the ticket's plan, region and priority at that instant. Breaches are not replayed but
recomputed: before each transition, and at ``as_of``, a running clock whose (new) due
instant has passed breaches at that instant, as the breach timers do. Under the policy
the ticket ran with, this reproduces its clocks exactly (tested).

Not replayed: which statuses pause a clock (the recorded pauses are kept), metrics the
other policy adds that the ticket never had (no start event), rules that would have set
another priority at submission. A metric the other policy lacks has no clock afterwards.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sladesk.accounts.models import Organization
from sladesk.core.policies import targets_for
from sladesk.sla import SlaError
from sladesk.tickets import clocks as rules
from sladesk.tickets.models import ClockState, EventKind, SlaClock, Ticket, TicketEvent

__all__ = [
    "ReplayReport",
    "organization_by_slug",
    "outcome",
    "replay",
    "replay_clocks",
    "summarize",
    "tickets_since",
]

_RUNNING, _PAUSED = ClockState.RUNNING, ClockState.PAUSED
_MET, _BREACHED, _CANCELLED = ClockState.MET, ClockState.BREACHED, ClockState.CANCELLED


def outcome(clock: SlaClock, as_of: datetime) -> str:
    """``met``, ``breached``, ``running`` (running or paused) or ``cancelled`` at ``as_of``:
    a running clock past its due instant is breached (as the tickets API shows it)."""
    if clock.state == _RUNNING and clock.due_at is not None and clock.due_at <= as_of:
        return _BREACHED
    if clock.state in (_RUNNING, _PAUSED):
        return "running"
    return str(clock.state)


def _when(text: str | None, default: datetime) -> datetime:
    return datetime.fromisoformat(text) if text else default


def replay_clocks(
    ticket: Ticket, events: Iterable[TicketEvent], policy: Any, as_of: datetime
) -> dict[str, SlaClock]:
    """The clocks (unsaved, metric -> clock) ``ticket`` would have under ``policy``, from
    its ``events`` (``clock`` and ``priority`` ones are read) in order, breached up to
    ``as_of``."""
    events = list(events)
    first_priority = next((e for e in events if e.kind == EventKind.PRIORITY), None)
    priority = first_priority.data.get("from") if first_priority else ticket.priority
    # A plan or region the other policy does not know: its defaults (a priority it does
    # not know: no target, so no clock).
    plan = ticket.plan if ticket.plan in policy.plans else None
    region = ticket.region if ticket.region in policy.regions else None
    clocks: dict[str, SlaClock] = {}
    current: dict[str, Any] = {}

    def target(metric: str) -> Any:
        try:
            return targets_for(policy, policy.resolve_priority(priority), plan, region).get(metric)
        except SlaError:
            return None

    def breach_upto(at: datetime) -> None:
        for c in clocks.values():
            if c.state == _RUNNING and c.due_at is not None and c.due_at <= at:
                rules.breach_due(c, at)

    for e in events:
        if e.kind == EventKind.PRIORITY:
            priority = e.data.get("to") or priority
            continue
        if e.kind != EventKind.CLOCK:
            continue
        d = e.data
        metric, frm, to, reason = (
            d.get("metric"),
            d.get("from"),
            d.get("to"),
            str(d.get("reason", "")),
        )
        if frm == _RUNNING and to == _BREACHED:
            continue  # recomputed under the replayed policy
        breach_upto(e.at)
        clock = clocks.get(metric)
        if frm is None:
            t = target(metric)
            if t is not None and not t.continuous:
                clocks[metric] = rules.new_clock(ticket, t, _when(d.get("started_at"), e.at)).clock
                current[metric] = t
            continue
        if clock is None:
            continue
        t = current[metric]
        if to == _RUNNING and int(d.get("cycle") or 1) > clock.cycle:
            nt = target(metric)
            if nt is not None:
                rules.restart(clock, nt, e.at, reason)
                current[metric] = nt
        elif frm == _PAUSED and to == _RUNNING:
            rules.resume(clock, t, e.at, reason)
        elif frm in (_MET, _CANCELLED) and to == _RUNNING:
            nt = target(metric)
            if nt is not None:
                rules.reopen(clock, nt, e.at, reason)
                current[metric] = nt
        elif frm == _RUNNING and to == _PAUSED:
            rules.pause(clock, t, e.at, reason)
        elif to == _CANCELLED:
            rules.cancel(clock, t, e.at, reason)
        elif to == _MET or (frm == _BREACHED and to == _BREACHED and d.get("late")):
            rules.meet(clock, t, e.at, reason)
        elif frm == to and "previous_target_seconds" in d:
            nt = target(metric)
            if nt is None:
                rules.cancel(clock, t, e.at, reason)
            else:
                rules.retarget(clock, nt, e.at, reason)
                current[metric] = nt
    breach_upto(as_of)
    return clocks


@dataclass
class ReplayReport:
    """Before → after attainment per metric and priority, and the clocks that flip."""

    tickets: int = 0
    before: dict[str, dict[str, Counter[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Counter))
    )
    after: dict[str, dict[str, Counter[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Counter))
    )
    flipped: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "tickets": self.tickets,
            "before": summarize(self.before),
            "after": summarize(self.after),
            "flipped": self.flipped,
        }


def summarize(counts: dict[str, dict[str, Counter[str]]]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{metric: {priority: {tickets, met, breached, running, pct_met}}}`` (cancelled
    clocks left out; pct_met = met / (met + breached), one decimal)."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for metric in sorted(counts):
        out[metric] = {}
        for priority in sorted(counts[metric]):
            c = counts[metric][priority]
            met, breached = c[_MET], c[_BREACHED]
            out[metric][priority] = {
                "tickets": met + breached + c["running"],
                "met": met,
                "breached": breached,
                "running": c["running"],
                "pct_met": round(100.0 * met / (met + breached), 1) if met + breached else None,
            }
    return out


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def replay(
    tickets: Any, policy: Any, as_of: datetime, *, chunk: int = 2000, flipped_limit: int = 10000
) -> ReplayReport:
    """Replay every ticket of the ``tickets`` queryset under ``policy`` (a `sladesk.sla.Policy`)
    and compare with its stored clocks, read in chunks (tickets, clocks and events: one
    query each per chunk)."""
    report = ReplayReport()
    ids = list(tickets.order_by("pk").values_list("pk", flat=True))
    for part in _chunks(ids, chunk):
        rows = {t.pk: t for t in Ticket.objects.filter(pk__in=part)}
        stored: dict[int, dict[str, SlaClock]] = defaultdict(dict)
        for c in SlaClock.objects.filter(ticket_id__in=part):
            stored[c.ticket_id][c.metric] = c
        history: dict[int, list[TicketEvent]] = defaultdict(list)
        for e in (
            TicketEvent.objects.filter(
                ticket_id__in=part, kind__in=(EventKind.CLOCK, EventKind.PRIORITY)
            )
            .only("ticket_id", "at", "kind", "data")
            .order_by("ticket_id", "at", "id")
        ):
            history[e.ticket_id].append(e)
        for pk in part:
            ticket = rows[pk]
            report.tickets += 1
            after = replay_clocks(ticket, history[pk], policy, as_of)
            for metric in sorted(set(stored[pk]) | set(after)):
                b = outcome(stored[pk][metric], as_of) if metric in stored[pk] else "none"
                a = outcome(after[metric], as_of) if metric in after else "none"
                if b != "none":
                    report.before[metric][ticket.priority][b] += 1
                if a != "none":
                    report.after[metric][ticket.priority][a] += 1
                if a != b and len(report.flipped) < flipped_limit:
                    report.flipped.append({"ticket": pk, "metric": metric, "before": b, "after": a})
    return report


def organization_by_slug(slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug).first()


def tickets_since(start: datetime, organization: Organization | None = None) -> Any:
    """Tickets opened at or after ``start`` (of ``organization`` when given)."""
    qs = Ticket.objects.filter(created_at__gte=start)
    return qs.filter(organization=organization) if organization is not None else qs
