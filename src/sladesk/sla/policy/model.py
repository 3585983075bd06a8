"""The runtime policy: priorities, plans, regions, targets and the questions asked of them.

A `Policy` is built from a validated file by `sladesk.sla.policy.build` and is immutable.
All instants are timezone-aware; the policy never reads the clock (``at`` is a parameter).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..calendar import Calendar
from ..durations import Duration
from ..errors import NaiveDatetimeError, SlaError, UnknownPriorityError
from .actions import ActionRow, MomentAction, actions_at
from .rules import Rule, RuleOutcome, apply_rules
from .schema import METRICS, ContractSpec

__all__ = [
    "ONCALL_EVENTS",
    "CreditBand",
    "EscalationLevel",
    "OncallPolicies",
    "OutOfHours",
    "Paging",
    "Plan",
    "Policy",
    "PriorityLevel",
    "Region",
    "Target",
    "TargetRow",
    "UnknownPlanError",
    "UnknownRegionError",
    "UptimeTerms",
]


class UnknownPlanError(SlaError):
    """A plan name that the policy does not know."""


class UnknownRegionError(SlaError):
    """A region name that the policy does not know."""


@dataclass(frozen=True)
class PriorityLevel:
    """A priority level (``P1 Urgent``); ``page_on_create`` pages on-call when a ticket opens."""

    key: str
    name: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    page_on_create: bool = False


@dataclass(frozen=True)
class Plan:
    """A support plan (tier); ``calendar`` counts its business-time targets when set."""

    key: str
    name: str
    description: str = ""
    calendar: str | None = None


@dataclass(frozen=True)
class Region:
    """A customer region and the calendar (hours, holidays) that serves it."""

    key: str
    name: str
    calendar: str


@dataclass(frozen=True)
class OutOfHours:
    """Page on-call for tickets created outside ``calendar``'s hours (None = any plan/priority)."""

    calendar: str
    plans: frozenset[str] | None = None
    priorities: frozenset[str] | None = None


@dataclass(frozen=True)
class Paging:
    """When on-call is paged: on creation (priorities), out of hours, on breach (metrics)."""

    on_create: frozenset[str] = frozenset()
    out_of_hours: OutOfHours | None = None
    on_breach: frozenset[str] = frozenset()


ONCALL_EVENTS: tuple[str, ...] = ("created_urgent", "out_of_hours", "dispatch_missed", "breach")
"""The paging events a policy may route to an escalation policy (`OncallPolicies`)."""


@dataclass(frozen=True)
class OncallPolicies:
    """The escalation policy (a name; None: the team's paging targets) a page climbs, per
    event: a ``page_on_create`` priority opened (``created_urgent``), a ticket opened out of
    hours (``out_of_hours``), a missed ``dispatch`` target (``dispatch_missed``), any other
    paging breach or warning (``breach``)."""

    created_urgent: str | None = None
    out_of_hours: str | None = None
    dispatch_missed: str | None = None
    breach: str | None = None

    def for_event(self, event: str) -> str | None:
        """The escalation policy named for ``event`` (one of `ONCALL_EVENTS`)."""
        if event not in ONCALL_EVENTS:
            raise ValueError(f"unknown paging event {event!r}; expected one of {ONCALL_EVENTS}")
        value: str | None = getattr(self, event)
        return value


@dataclass(frozen=True)
class EscalationLevel:
    """One rung of the escalation ladder (level 1 first).

    ``after``, when said, makes the rung climbed by time alone: level 1 that long after the
    ticket was opened, level *n* that long after the ticket reached level *n - 1*, while
    the ticket is not solved or closed (see `climbs_at`).
    """

    level: int
    role: str
    after: Duration | None = None
    contact: str | None = None

    def climbs_at(self, since: datetime, calendar: Calendar) -> datetime | None:
        """When a ticket that has been on the rung below since ``since`` reaches this rung
        by itself: ``after`` of working time on ``calendar`` for a business duration
        (``4 business hours``), of calendar time otherwise (``36 hours``); None without
        ``after``. ``since`` must be aware."""
        if self.after is None:
            return None
        if since.tzinfo is None:
            raise NaiveDatetimeError("since", since)
        work = self.after.work(calendar.business_day)
        if self.after.business:
            return calendar.add(since, work)
        return since + work


@dataclass(frozen=True)
class Target:
    """One service target resolved for a ticket: e.g. first response in 4 business hours on ``na``.

    ``work`` is the working time on ``calendar`` (a 24x7 UTC calendar for calendar-time
    durations). ``display_zone_calendar`` is the business calendar of the ticket's plan /
    region, used only to show instants in a local zone. ``continuous`` targets (Esper
    Sev1 "continuous work until resolution") have no timer: ``due`` returns None.
    """

    metric: str
    text: str
    duration: Duration | None
    calendar: Calendar
    calendar_name: str
    work: timedelta
    warn_at: float
    pauses_when_pending: bool
    met_by_downgrade_to: str | None = None
    continuous: bool = False
    page_on_breach: bool = False
    note: str | None = None
    display_calendar: Calendar | None = None
    internal: bool = False  # in the policy's `internal_clocks`: never shown to customers

    @property
    def business(self) -> bool:
        """Whether the target counts business time (False for calendar time and continuous)."""
        return self.duration is not None and self.duration.business

    def due(self, start: datetime, used: timedelta = timedelta(0)) -> datetime | None:
        """``calendar.add(start, work - used)`` shown in the display zone; None when continuous.

        When ``used`` already exceeds ``work`` the target is due at ``start`` itself.
        """
        if self.continuous:
            return None
        if start.tzinfo is None:
            raise NaiveDatetimeError("start", start)
        remaining = max(self.work - used, timedelta(0))
        due = self.calendar.add(start, remaining)
        shown = self.display_calendar or self.calendar
        return due.astimezone(shown.zone)


@dataclass(frozen=True)
class TargetRow:
    """A row of the targets table; None selectors match anything."""

    priorities: frozenset[str] | None
    plans: frozenset[str] | None
    regions: frozenset[str] | None
    targets: Mapping[str, Any]  # metric -> TargetDef (see build.py)
    line: int = 0

    @property
    def specificity(self) -> int:
        """Priority beats plan beats region when rows overlap."""
        return (
            4 * (self.priorities is not None)
            + 2 * (self.plans is not None)
            + (self.regions is not None)
        )

    def matches(self, priority: str, plan: str | None, region: str | None) -> bool:
        return (
            (self.priorities is None or priority in self.priorities)
            and (self.plans is None or plan in self.plans)
            and (self.regions is None or region in self.regions)
        )


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.lower())


_NUMBERED = re.compile(r"^(?:p|prio|priority|sev|severity|level|lvl)(\d+)$")


@dataclass(frozen=True)
class CreditBand:
    """A service-credit band: an uptime strictly ``below`` percent earns ``credit_pct``
    percent of the period's fee."""

    below: float
    credit_pct: float


@dataclass(frozen=True)
class UptimeTerms:
    """The availability promise (policy ``uptime:``; ``uptime_target`` is its short form):
    the monthly target percent, the weights of partial outages and degraded performance
    (a major outage weighs 1), credit bands (highest ``below`` first), and whether a
    ticket about a component under announced maintenance is paged on breach."""

    target: float
    partial_weight: float = 0.3
    degraded_weight: float = 0.0
    credits: tuple[CreditBand, ...] = ()
    maintenance_silences_pages: bool = False


@dataclass(frozen=True)
class Policy:
    """A support policy (the SLA as code) loaded from one YAML file; see docs/policy.md."""

    name: str
    title: str
    source: str | None
    digest: str
    source_text: str
    calendars: dict[str, Calendar]
    default_calendar: str
    priorities: list[PriorityLevel]
    default_priority: str
    plans: dict[str, Plan]
    default_plan: str | None
    regions: dict[str, Region]
    default_region: str | None
    customer_may_set_priority: bool
    priority_change_notifies_customer: bool
    warn_at: float
    pause_when_pending: frozenset[str]
    rows: tuple[TargetRow, ...]
    rules: tuple[Rule, ...]
    paging: Paging
    escalation: list[EscalationLevel]
    uptime_target: float | None
    contract: ContractSpec | None
    always: Calendar = field(default_factory=Calendar.always)
    actions: tuple[ActionRow, ...] = ()
    default_actions: bool = True
    #: Metrics kept from customers (the desk's own promises, e.g. freistilbox's dispatch):
    #: the portal and a contact's API answers leave these clocks out.
    internal_clocks: frozenset[str] = frozenset()
    uptime: UptimeTerms | None = None
    oncall: OncallPolicies = field(default_factory=OncallPolicies)

    # ---------------------------------------------------------------- priorities
    def rank(self, key: str) -> int:
        """0 for the most urgent priority; accepts anything `resolve_priority` accepts."""
        key = self.resolve_priority(key)
        return next(i for i, p in enumerate(self.priorities) if p.key == key)

    def resolve_priority(self, text: str) -> str:
        """The priority key for a key, name or alias, case-insensitively.

        Tolerates brackets and spacing (``[P1]``, ``Priority 1``, ``p1``); a numbered form
        (``P2``, ``Sev2``, ``Priority 2``) also matches a key/alias with the same number
        and another prefix (``p2`` finds Esper's ``Sev2``).
        """
        index = self._priority_index()
        wanted = _squash(str(text))
        if wanted in index:
            return index[wanted]
        m = _NUMBERED.match(wanted)
        if m:
            for prefix in ("p", "sev", "priority", "severity", "level"):
                if prefix + m.group(1) in index:
                    return index[prefix + m.group(1)]
        known = ", ".join(p.key for p in self.priorities)
        raise UnknownPriorityError(
            f"unknown priority {text!r} for policy {self.name}; known: {known}"
        )

    def _priority_index(self) -> dict[str, str]:
        index: dict[str, str] = {}
        for p in self.priorities:
            for word in (p.key, p.name, *p.aliases):
                index.setdefault(_squash(word), p.key)
        return index

    def priority(self, key: str) -> PriorityLevel:
        """The `PriorityLevel` for a key, name or alias."""
        key = self.resolve_priority(key)
        return next(p for p in self.priorities if p.key == key)

    # ---------------------------------------------------------------- plan/region
    def resolve_plan(self, plan: str | None) -> str | None:
        """The plan key (default when None); `UnknownPlanError` for names not in the policy."""
        if plan is None:
            return self.default_plan
        for key, p in self.plans.items():
            if _squash(plan) in (_squash(key), _squash(p.name)):
                return key
        known = ", ".join(self.plans) or "(this policy has no plans)"
        raise UnknownPlanError(f"unknown plan {plan!r} for policy {self.name}; known: {known}")

    def resolve_region(self, region: str | None) -> str | None:
        """The region key (default when None); `UnknownRegionError` for unknown names."""
        if region is None:
            return self.default_region
        for key, r in self.regions.items():
            if _squash(region) in (_squash(key), _squash(r.name)):
                return key
        known = ", ".join(self.regions) or "(this policy has no regions)"
        raise UnknownRegionError(
            f"unknown region {region!r} for policy {self.name}; known: {known}"
        )

    def calendar_name_for(self, plan: str | None = None, region: str | None = None) -> str:
        """The business calendar: the plan's, else the region's, else the policy default."""
        plan, region = self.resolve_plan(plan), self.resolve_region(region)
        if plan is not None and self.plans[plan].calendar is not None:
            return self.plans[plan].calendar or self.default_calendar
        if region is not None:
            return self.regions[region].calendar
        return self.default_calendar

    def calendar_for(self, plan: str | None = None, region: str | None = None) -> Calendar:
        """The `Calendar` of `calendar_name_for`."""
        return self.calendars[self.calendar_name_for(plan, region)]

    def is_business_hours(
        self, at: datetime, plan: str | None = None, region: str | None = None
    ) -> bool:
        """Whether ``at`` is within the plan's / region's business hours."""
        return self.calendar_for(plan, region).is_open(at)

    # ---------------------------------------------------------------- targets
    def targets(
        self, priority: str, plan: str | None = None, region: str | None = None
    ) -> dict[str, Target]:
        """Metric -> `Target` for a ticket; per metric the most specific matching row wins.

        A business target counts on its own ``calendar:``, else the plan's, else the
        region's, else the policy's default calendar.
        """
        from .build import resolve_target

        key = self.resolve_priority(priority)
        plan, region = self.resolve_plan(plan), self.resolve_region(region)
        context = self.calendar_name_for(plan, region)
        chosen: dict[str, tuple[int, Any]] = {}
        for row in self.rows:
            if not row.matches(key, plan, region):
                continue
            for metric, spec in row.targets.items():
                if metric not in chosen or row.specificity > chosen[metric][0]:
                    chosen[metric] = (row.specificity, spec)
        return {m: resolve_target(self, m, chosen[m][1], context) for m in METRICS if m in chosen}

    def due(
        self, priority: str, at: datetime, plan: str | None = None, region: str | None = None
    ) -> dict[str, datetime]:
        """Metric -> due instant for a ticket opened at ``at``; continuous metrics omitted."""
        if at.tzinfo is None:
            raise NaiveDatetimeError("at", at)
        out: dict[str, datetime] = {}
        for metric, target in self.targets(priority, plan, region).items():
            due = target.due(at)
            if due is not None:
                out[metric] = due
        return out

    def explain(
        self, priority: str, at: datetime, plan: str | None = None, region: str | None = None
    ) -> dict[str, str]:
        """Metric -> the words behind each due instant (same keys as `due`)."""
        from ..explain import explain_target

        if at.tzinfo is None:
            raise NaiveDatetimeError("at", at)
        return {
            m: explain_target(t, at)
            for m, t in self.targets(priority, plan, region).items()
            if not t.continuous
        }

    # ---------------------------------------------------------------- rules
    def apply_rules(
        self, priority: str | None, fields: Mapping[str, Any], *, set_by: str
    ) -> RuleOutcome:
        """The priority a ticket gets after who-may-set-it and the policy's rules.

        ``set_by`` is ``customer``, ``agent`` or ``system``. See `rules.apply_rules`.
        """
        return apply_rules(self, priority, fields, set_by=set_by)

    def pages_on_create(
        self, priority: str, at: datetime, plan: str | None = None, region: str | None = None
    ) -> list[str]:
        """Why on-call is paged for a ticket created at ``at`` (empty list: no page)."""
        key = self.resolve_priority(priority)
        plan = self.resolve_plan(plan)
        why: list[str] = []
        if key in self.paging.on_create:
            why.append(f"{key} pages on-call on creation")
        ooh = self.paging.out_of_hours
        if (
            ooh is not None
            and (ooh.plans is None or plan in ooh.plans)
            and (ooh.priorities is None or key in ooh.priorities)
            and not self.calendars[ooh.calendar].is_open(at)
        ):
            why.append(f"created outside {ooh.calendar} hours: forwarded to on-call")
        return why

    def actions_at(
        self,
        moment: str,
        metric: str,
        priority: str,
        plan: str | None = None,
        region: str | None = None,
        *,
        page_on_breach: bool | None = None,
    ) -> tuple[MomentAction, ...]:
        """What happens at a clock's ``warning`` or ``breach`` (`actions.actions_at`)."""
        return actions_at(
            self, moment, metric, priority, plan, region, page_on_breach=page_on_breach
        )

    def __repr__(self) -> str:
        return f"Policy({self.name!r}, digest={self.digest[:12]!r})"
