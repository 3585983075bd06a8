"""Build a runtime `Policy` from a validated `PolicySpec`, checking every cross-reference.

Every problem is a `PolicyError` naming the file and the line of the offending node:
unknown calendar / priority / plan / region names, bad time zones, bad hours, bad
durations, duplicate or ambiguous target rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..calendar import Calendar, DayException
from ..durations import Duration, parse_duration
from ..errors import PolicyError, SlaError
from ..spans import DAY, FULL_DAY, Span, parse_clock, parse_spans
from .actions import build_actions
from .loader import Lines
from .model import (
    CreditBand,
    EscalationLevel,
    OncallPolicies,
    OutOfHours,
    Paging,
    Plan,
    Policy,
    PriorityLevel,
    Region,
    Target,
    TargetRow,
    UptimeTerms,
)
from .rules import OPERATORS, Condition, Rule
from .schema import METRICS, CalendarSpec, PolicySpec, TargetSpec

__all__ = ["TargetDef", "build_policy", "resolve_target"]

_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_WORDS = {"daily": range(7), "weekdays": range(5), "weekends": range(5, 7)}


@dataclass(frozen=True)
class TargetDef:
    """A target as written in a row, before the ticket's plan/region picks its calendar."""

    duration: Duration | None
    calendar: str | None
    met_by_downgrade_to: str | None
    warn_at: float | None
    pauses_when_pending: bool | None
    page_on_breach: bool
    note: str | None


def resolve_target(policy: Policy, metric: str, d: TargetDef, context: str) -> Target:
    """The `Target` of ``d`` for a ticket whose plan/region calendar is ``context``."""
    shown = policy.calendars[context]
    warn_at = d.warn_at if d.warn_at is not None else policy.warn_at
    pauses = (
        d.pauses_when_pending
        if d.pauses_when_pending is not None
        else metric in policy.pause_when_pending
    )
    common: dict[str, Any] = dict(
        metric=metric,
        warn_at=warn_at,
        pauses_when_pending=pauses,
        met_by_downgrade_to=d.met_by_downgrade_to,
        page_on_breach=d.page_on_breach,
        note=d.note,
        display_calendar=shown,
        internal=metric in policy.internal_clocks,
    )
    if d.duration is None:
        text = d.note or "continuous work until resolution"
        return Target(
            text=text,
            duration=None,
            calendar=policy.always,
            calendar_name="none",
            work=timedelta(0),
            continuous=True,
            **common,
        )
    if not d.duration.business:
        return Target(
            text=d.duration.text,
            duration=d.duration,
            calendar=policy.always,
            calendar_name="24x7",
            work=d.duration.work(timedelta(days=1)),
            **common,
        )
    name = d.calendar or context
    cal = policy.calendars[name]
    return Target(
        text=d.duration.text,
        duration=d.duration,
        calendar=cal,
        calendar_name=name,
        work=d.duration.work(cal.business_day),
        **common,
    )


def build_policy(spec: PolicySpec, text: str, lines: Lines) -> Policy:
    """The runtime policy; raises `PolicyError` (file:line) on any inconsistency."""
    # Every problem is reported (`Lines.report`) and checking goes on with the next item,
    # so one run names them all; `raise_reported` raises them together before the end.
    calendars = {}
    for name, c in spec.calendars.items():
        with _reported(lines):
            calendars[name] = _calendar(name, c, lines, ("calendars", name))

    def need_calendar(name: str, path: tuple[object, ...]) -> str:
        if name not in calendars and name not in spec.calendars:
            known = ", ".join(spec.calendars)
            lines.report(lines.error(path, f"unknown calendar {name!r}; known: {known}"))
        return name

    priorities = [
        PriorityLevel(p.key, p.name, tuple(p.aliases), p.description, p.page_on_create)
        for p in spec.priorities
    ]
    seen: dict[str, int] = {}
    for i, p in enumerate(spec.priorities):
        for word in (p.key, p.name, *p.aliases):
            low = word.lower()
            if low in seen and seen[low] != i:
                lines.report(lines.error(("priorities", i), f"priority name {word!r} used twice"))
            seen[low] = i

    def need_priority(name: str, path: tuple[object, ...]) -> str:
        for p in spec.priorities:
            if name.lower() in (w.lower() for w in (p.key, p.name, *p.aliases)):
                return p.key
        known = ", ".join(p.key for p in spec.priorities)
        lines.report(lines.error(path, f"unknown priority {name!r}; known: {known}"))
        return name

    plans = {
        k: Plan(
            k,
            p.name or k,
            p.description,
            need_calendar(p.calendar, ("plans", k, "calendar")) if p.calendar else None,
        )
        for k, p in spec.plans.items()
    }
    regions = {
        k: Region(k, r.name or k, need_calendar(r.calendar, ("regions", k, "calendar")))
        for k, r in spec.regions.items()
    }
    default_plan = _default(spec.plans, lines, "plans")
    default_region = _default(spec.regions, lines, "regions")
    if spec.default_calendar is not None:
        default_calendar = need_calendar(spec.default_calendar, ("default_calendar",))
    elif default_region is not None:
        default_calendar = regions[default_region].calendar
    elif default_plan is not None and plans[default_plan].calendar is not None:
        default_calendar = plans[default_plan].calendar or ""
    else:
        default_calendar = next(iter(spec.calendars))

    def need(kind: str, known: dict[str, Any], name: str, path: tuple[object, ...]) -> str:
        if name not in known:
            msg = f"unknown {kind} {name!r}; known: {', '.join(known) or '(none)'}"
            lines.report(lines.error(path, msg))
        return name

    rows: list[TargetRow] = []
    for i, row in enumerate(spec.targets):
        with _reported(lines):
            _add_row(
                rows, row, ("targets", i), lines, need_calendar, need_priority, need, plans, regions
            )

    rules = []
    for i, r in enumerate(spec.rules):
        with _reported(lines):
            rules.append(_rule(r, i, lines, need_priority))

    ooh = spec.paging.out_of_hours
    out_of_hours = None
    if ooh is not None:
        op = ("paging", "out_of_hours")
        out_of_hours = OutOfHours(
            need_calendar(ooh.calendar, (*op, "calendar")),
            _selector(ooh.plans, (*op, "plans"), lambda v, p: need("plan", plans, v, p)),
            _selector(ooh.priorities, (*op, "priorities"), need_priority),
        )
    on_breach = frozenset(m for row in rows for m, d in row.targets.items() if d.page_on_breach)
    escalation = []
    for i, e in enumerate(spec.escalation):
        with _reported(lines):
            after = _duration(e.after, ("escalation", i, "after"), lines) if e.after else None
            escalation.append(EscalationLevel(i + 1, e.role, after, e.contact))
    with _reported(lines):
        actions = build_actions(
            spec.actions,
            lines,
            need_priority=need_priority,
            need_plan=lambda v, p: need("plan", plans, v, p),
            need_region=lambda v, p: need("region", regions, v, p),
            ladder=len(escalation),
        )
    default_priority = need_priority(spec.default_priority, ("default_priority",))
    lines.raise_reported()
    return Policy(
        name=spec.name,
        title=spec.title,
        source=spec.source,
        digest=hashlib.sha256(text.encode("utf-8")).hexdigest(),
        source_text=text,
        calendars=calendars,
        default_calendar=default_calendar,
        priorities=priorities,
        default_priority=default_priority,
        plans=plans,
        default_plan=default_plan,
        regions=regions,
        default_region=default_region,
        customer_may_set_priority=spec.customer_may_set_priority,
        priority_change_notifies_customer=spec.priority_change_notifies_customer,
        warn_at=spec.warn_at,
        pause_when_pending=frozenset(spec.pause_when_pending),
        internal_clocks=frozenset(spec.internal_clocks),
        rows=tuple(rows),
        rules=tuple(rules),
        paging=Paging(
            frozenset(p.key for p in priorities if p.page_on_create), out_of_hours, on_breach
        ),
        escalation=escalation,
        uptime_target=None if (terms := spec.uptime_terms()) is None else terms.target,
        uptime=_uptime(spec),
        actions=actions,
        default_actions=spec.default_actions,
        contract=spec.contract,
        oncall=OncallPolicies(**spec.oncall.model_dump()),
    )


def _add_row(
    rows: list[TargetRow],
    row: Any,
    path: tuple[object, ...],
    lines: Lines,
    need_calendar: Any,
    need_priority: Any,
    need: Any,
    plans: dict[str, Plan],
    regions: dict[str, Region],
) -> None:
    """Check target row ``row`` (at ``path``) and append it to ``rows``."""
    prios = _selector(row.priority, (*path, "priority"), need_priority)
    row_plans = _selector(row.plan, (*path, "plan"), lambda v, p: need("plan", plans, v, p))
    row_regions = _selector(
        row.region, (*path, "region"), lambda v, p: need("region", regions, v, p)
    )
    defs: dict[str, TargetDef] = {}
    for metric in METRICS:
        value = getattr(row, metric)
        if value is not None:
            defs[metric] = _target_def(value, (*path, metric), lines, need_calendar, need_priority)
    if not defs:
        raise lines.error(path, "a target row needs at least one of " + ", ".join(METRICS))
    new = TargetRow(prios, row_plans, row_regions, defs, lines.line(path))
    for old in rows:
        same = (old.priorities, old.plans, old.regions) == (prios, row_plans, row_regions)
        if same and set(old.targets) & set(defs):
            raise lines.error(path, f"repeats targets of the row on line {old.line}")
    rows.append(new)


@contextmanager
def _reported(lines: Lines) -> Iterator[None]:
    """Report a `PolicyError` raised inside (`Lines.report`) and go on after the block."""
    try:
        yield
    except PolicyError as exc:
        for problem in exc.problems:
            lines.report(problem)


def _selector(
    value: str | list[str] | None, path: tuple[object, ...], check: Any
) -> frozenset[str] | None:
    """None (match all) or the checked names of a one-or-many selector."""
    if value is None:
        return None
    items = [value] if isinstance(value, str) else value
    return frozenset(check(v, path) for v in items)


def _default(items: dict[str, Any], lines: Lines, kind: str) -> str | None:
    defaults = [k for k, v in items.items() if v.default]
    if len(defaults) > 1:
        lines.report(
            lines.error((kind, defaults[1], "default"), f"more than one default in {kind}")
        )
    if defaults:
        return defaults[0]
    return next(iter(items), None)  # none marked: the first one listed


def _duration(text: str, path: tuple[object, ...], lines: Lines) -> Duration:
    try:
        return parse_duration(text)
    except SlaError as exc:
        raise lines.error(path, str(exc)) from None


def _target_def(
    value: str | TargetSpec,
    path: tuple[object, ...],
    lines: Lines,
    need_calendar: Any,
    need_priority: Any,
) -> TargetDef:
    if isinstance(value, str):
        return TargetDef(_duration(value, path, lines), None, None, None, None, False, None)
    return TargetDef(
        _duration(value.within, (*path, "within"), lines) if value.within else None,
        need_calendar(value.calendar, (*path, "calendar")) if value.calendar else None,
        need_priority(value.met_by_downgrade_to, (*path, "met_by_downgrade_to"))
        if value.met_by_downgrade_to
        else None,
        value.warn_at,
        value.pauses_when_pending,
        value.page_on_breach,
        value.note,
    )


def _rule(r: Any, i: int, lines: Lines, need_priority: Any) -> Rule:
    path = ("rules", i)
    conditions: list[Condition] = []
    for name, test in r.when.items():
        if isinstance(test, dict):
            for op, value in test.items():
                if op not in OPERATORS:
                    raise lines.error(
                        (*path, "when", name, op),
                        f"unknown operator {op!r}; use one of {', '.join(OPERATORS)}",
                    )
                if op in ("in", "not_in") and not isinstance(value, list):
                    raise lines.error((*path, "when", name, op), f"{op} needs a list")
                conditions.append(Condition(name, op, value))
        else:
            conditions.append(Condition(name, "eq", test))
    for action in ("cap", "floor", "set"):
        target = getattr(r, f"{action}_priority")
        if target is not None:
            key = need_priority(target, (*path, f"{action}_priority"))
            return Rule(tuple(conditions), action, key, r.reason, r.tag, lines.line(path))
    raise AssertionError("schema guarantees one action")


def _calendar(name: str, c: CalendarSpec, lines: Lines, path: tuple[object, ...]) -> Calendar:
    weekly: dict[int, tuple[Span, ...]] = {}
    for key, spans_text in c.hours.items():
        days = _weekdays(key)
        if days is None:
            raise lines.error(
                (*path, "hours", key),
                f"not a weekday or range: {key!r} (write mon, mon-fri, daily, ...)",
            )
        try:
            spans = parse_spans(spans_text)
        except ValueError as exc:
            raise lines.error((*path, "hours", key), str(exc)) from None
        for d in days:
            if d in weekly:
                raise lines.error((*path, "hours", key), f"{_DAYS[d]} is given twice")
            weekly[d] = spans
    exceptions: dict[Any, DayException] = {}
    for i, e in enumerate(c.exceptions):
        epath = (*path, "exceptions", i)
        try:
            if e.closes is not None:
                closed: tuple[Span, ...] = ((parse_clock(e.closes), DAY),)
                opened: tuple[Span, ...] = ()
            elif e.closed is not None:
                closed, opened = parse_spans(e.closed), ()
            elif e.hours is not None:
                closed, opened = FULL_DAY, parse_spans(e.hours)
            else:
                closed, opened = FULL_DAY, ()
        except ValueError as exc:
            raise lines.error(epath, str(exc)) from None
        exceptions[e.date] = DayException(e.name, closed, opened)
    business_day = None
    if c.business_day is not None:
        bd = _duration(c.business_day, (*path, "business_day"), lines)
        business_day = bd.work(timedelta(0))
    try:
        return Calendar(
            name,
            c.timezone,
            weekly,
            holiday_country=c.holidays.country if c.holidays else None,
            holiday_subdivision=c.holidays.subdivision if c.holidays else None,
            exceptions=exceptions,
            business_day=business_day,
        )
    except SlaError as exc:
        msg = str(exc)
        where = "timezone" if "time zone" in msg else "holidays" if "holidays" in msg else "hours"
        raise lines.error((*path, where), msg) from None


def _weekdays(key: str) -> list[int] | None:
    k = key.strip().lower()
    if k in _DAY_WORDS:
        return list(_DAY_WORDS[k])
    out: list[int] = []
    for part in k.split(","):
        bits = [b.strip()[:3] for b in part.split("-")]
        if not all(b in _DAYS for b in bits) or len(bits) > 2:
            return None
        a, b = _DAYS.index(bits[0]), _DAYS.index(bits[-1])
        out.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return out


def _uptime(spec: PolicySpec) -> UptimeTerms | None:
    """The runtime availability promise (credit bands sorted by ``below``, highest first)."""
    u = spec.uptime_terms()
    if u is None:
        return None
    bands = sorted((CreditBand(b.below, b.credit_pct) for b in u.credits), key=lambda b: -b.below)
    return UptimeTerms(
        target=u.target,
        partial_weight=u.partial_weight,
        degraded_weight=u.degraded_weight,
        credits=tuple(bands),
        maintenance_silences_pages=u.maintenance_silences_pages,
    )
