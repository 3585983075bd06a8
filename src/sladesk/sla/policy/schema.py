"""The policy file schema (pydantic): what a ``policies/*.yaml`` file may say.

These models only check shape and types; names that refer to each other (calendars,
priorities, plans, regions) are checked when the runtime `Policy` is built
(`sladesk.sla.policy.build`). Unknown keys are errors everywhere. docs/policy.md
documents every field with an example.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "AUDIENCES",
    "METRICS",
    "MOMENTS",
    "ActionRowSpec",
    "ActionSpec",
    "Audience",
    "CalendarSpec",
    "ContractSpec",
    "CreditBandSpec",
    "EscalationSpec",
    "ExceptionSpec",
    "HolidaysSpec",
    "Metric",
    "Moment",
    "OutOfHoursSpec",
    "PagingSpec",
    "PlanSpec",
    "PolicySpec",
    "PrioritySpec",
    "RegionSpec",
    "RuleSpec",
    "TargetRowSpec",
    "TargetSpec",
    "UptimeSpec",
]

Metric = Literal["first_response", "next_update", "resolution", "dispatch"]
METRICS: tuple[Metric, ...] = ("first_response", "next_update", "resolution", "dispatch")
Moment = Literal["warning", "breach"]
MOMENTS: tuple[Moment, ...] = ("warning", "breach")
Audience = Literal["assignee", "team", "account_team"]
AUDIENCES: tuple[Audience, ...] = ("assignee", "team", "account_team")


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class HolidaysSpec(_Spec):
    """Public holidays from the ``holidays`` package: ``{country: GB, subdivision: ENG}``."""

    country: str
    subdivision: str | None = None


class ExceptionSpec(_Spec):
    """One date off the weekly pattern. With none of closes/closed/hours: closed all day."""

    date: date
    name: str
    closes: str | None = None  # "13:00": open as usual until 13:00, closed after
    closed: str | None = None  # "12:00-14:00": these spans closed
    hours: str | None = None  # "10:00-14:00": that day's hours instead of the weekly ones

    @model_validator(mode="after")
    def _one_form(self) -> ExceptionSpec:
        if sum(x is not None for x in (self.closes, self.closed, self.hours)) > 1:
            raise ValueError("give at most one of closes, closed, hours")
        return self


class CalendarSpec(_Spec):
    """A business calendar: IANA zone, weekly hours (``mon-fri: "09:00-17:00"``), holidays."""

    timezone: str
    hours: dict[str, str] = Field(min_length=1)
    holidays: HolidaysSpec | None = None
    exceptions: list[ExceptionSpec] = []
    business_day: str | None = None  # e.g. "8 hours"; default: the longest weekday
    description: str = ""


class PrioritySpec(_Spec):
    """A priority level; list them most urgent first."""

    key: str
    name: str
    aliases: list[str] = []
    description: str = ""
    page_on_create: bool = False


class PlanSpec(_Spec):
    """A support plan / tier; its ``calendar`` counts its business-time targets."""

    name: str | None = None
    description: str = ""
    calendar: str | None = None
    default: bool = False


class RegionSpec(_Spec):
    """A customer region mapped to the calendar that serves it."""

    name: str | None = None
    description: str = ""
    calendar: str
    default: bool = False


class TargetSpec(_Spec):
    """One target in full form; the short form is just the duration text."""

    within: str | None = None
    continuous: bool = False
    calendar: str | None = None
    met_by_downgrade_to: str | None = None
    warn_at: float | None = Field(default=None, gt=0, le=1)
    pauses_when_pending: bool | None = None
    page_on_breach: bool = False
    note: str | None = None

    @model_validator(mode="after")
    def _within_or_continuous(self) -> TargetSpec:
        if (self.within is None) == (not self.continuous):
            raise ValueError("give either within: <duration> or continuous: true")
        return self


class TargetRowSpec(_Spec):
    """A row of targets; omitted selectors match everything; the most specific row wins."""

    priority: str | list[str] | None = None
    plan: str | list[str] | None = None
    region: str | list[str] | None = None
    first_response: str | TargetSpec | None = None
    next_update: str | TargetSpec | None = None
    resolution: str | TargetSpec | None = None
    dispatch: str | TargetSpec | None = None


class RuleSpec(_Spec):
    """``when`` all conditions hold, cap / floor / set the priority, citing ``reason``."""

    when: dict[str, Any] = Field(min_length=1)
    cap_priority: str | None = None
    floor_priority: str | None = None
    set_priority: str | None = None
    reason: str
    tag: str | None = None

    @model_validator(mode="after")
    def _one_action(self) -> RuleSpec:
        actions = (self.cap_priority, self.floor_priority, self.set_priority)
        if sum(a is not None for a in actions) != 1:
            raise ValueError("give exactly one of cap_priority, floor_priority, set_priority")
        return self


class OutOfHoursSpec(_Spec):
    """Page on-call for tickets created outside ``calendar``'s hours (optionally filtered)."""

    calendar: str
    plans: list[str] | None = None
    priorities: list[str] | None = None


class PagingSpec(_Spec):
    """When on-call is paged besides ``page_on_create`` priorities and ``page_on_breach``
    targets."""

    out_of_hours: OutOfHoursSpec | None = None


class OncallSpec(_Spec):
    """Which escalation policy (by name, defined in sladesk's on-call settings) a page for
    each event climbs; an event left out pages the team's paging targets."""

    created_urgent: str | None = Field(default=None, min_length=1, max_length=100)
    out_of_hours: str | None = Field(default=None, min_length=1, max_length=100)
    dispatch_missed: str | None = Field(default=None, min_length=1, max_length=100)
    breach: str | None = Field(default=None, min_length=1, max_length=100)


class EscalationSpec(_Spec):
    """One rung of the escalation ladder (levels are numbered from 1 in order)."""

    role: str
    after: str | None = None
    contact: str | None = None


class ActionSpec(_Spec):
    """One action at a clock's moment; exactly one key. ``page`` and ``escalate`` may be
    written bare (``- page``, ``- escalate``)."""

    notify: Audience | list[Audience] | None = None
    page: Literal[True] | None = None
    raise_priority: Annotated[int, Field(ge=1, strict=True)] | str | None = None
    add_tag: str | None = Field(default=None, min_length=1, max_length=100)
    escalate: Literal["next"] | None = None

    @model_validator(mode="before")
    @classmethod
    def _bare(cls, data: Any) -> Any:
        if data == "page":
            return {"page": True}
        if data == "escalate":
            return {"escalate": "next"}
        if isinstance(data, str):
            raise ValueError(
                f"unknown action {data!r}; write page, escalate, or one of notify:, "
                "raise_priority:, add_tag:"
            )
        return data

    @model_validator(mode="after")
    def _one_action(self) -> ActionSpec:
        given = [self.notify, self.page, self.raise_priority, self.add_tag, self.escalate]
        if sum(v is not None for v in given) != 1:
            raise ValueError(
                "give exactly one of notify, page, raise_priority, add_tag, escalate per item"
            )
        return self


class ActionRowSpec(_Spec):
    """What happens ``at`` a moment (warning / breach) of the clocks the selectors match."""

    at: Moment
    metric: Metric | list[Metric] | None = None
    priority: str | list[str] | None = None
    plan: str | list[str] | None = None
    region: str | list[str] | None = None
    do: list[ActionSpec] = Field(min_length=1)
    reason: str | None = None


class ContractSpec(_Spec):
    """Contract terms kept for reference (shown to agents; no timers)."""

    subscription: str | None = None
    max_terms: int | None = None
    account_manager: str | None = None
    language: str | None = None
    exclusions: list[str] = []
    notes: list[str] = []


class CreditBandSpec(_Spec):
    """A service-credit band: a month's uptime strictly ``below`` this percent earns
    ``credit_pct`` percent of the month's fee (the largest band that applies wins)."""

    below: float = Field(gt=0, le=100)
    credit_pct: float = Field(ge=0, le=100)


class UptimeSpec(_Spec):
    """The availability promise (issue 18): the monthly ``target`` percent, how partial
    outages and degraded performance count (weights 0-1; major outages count 1), service
    credits by band, and whether announced maintenance silences breach pages."""

    target: float = Field(gt=0, le=100)
    partial_weight: float = Field(default=0.3, ge=0, le=1)
    degraded_weight: float = Field(default=0.0, ge=0, le=1)
    credits: list[CreditBandSpec] = []
    maintenance_silences_pages: bool = False


class PolicySpec(_Spec):
    """A whole policy file."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str
    source: str | None = None
    description: str = ""
    calendars: dict[str, CalendarSpec] = Field(min_length=1)
    default_calendar: str | None = None
    regions: dict[str, RegionSpec] = {}
    plans: dict[str, PlanSpec] = {}
    priorities: list[PrioritySpec] = Field(min_length=1)
    default_priority: str
    customer_may_set_priority: bool = True
    priority_change_notifies_customer: bool = False
    warn_at: float = Field(default=0.75, gt=0, le=1)
    pause_when_pending: list[Metric] = ["resolution", "next_update"]
    internal_clocks: list[Metric] = []
    targets: list[TargetRowSpec] = Field(min_length=1)
    rules: list[RuleSpec] = []
    paging: PagingSpec = PagingSpec()
    oncall: OncallSpec = OncallSpec()
    escalation: list[EscalationSpec] = []
    actions: list[ActionRowSpec] = []
    default_actions: bool = True
    uptime_target: float | None = Field(default=None, gt=0, le=100)
    uptime: UptimeSpec | None = None
    contract: ContractSpec | None = None

    @model_validator(mode="after")
    def _one_uptime_target(self) -> PolicySpec:
        """``uptime_target: 99.5`` is the short form of ``uptime: {target: 99.5}``; when
        both are given they must agree."""
        u, short = self.uptime, self.uptime_target
        if u is not None and short is not None and short != u.target:
            raise ValueError(
                f"uptime_target ({short}) and uptime.target ({u.target}) disagree; give one"
            )
        return self

    def uptime_terms(self) -> UptimeSpec | None:
        """The ``uptime`` block, or the one the short form ``uptime_target`` means."""
        if self.uptime is not None:
            return self.uptime
        return None if self.uptime_target is None else UptimeSpec(target=self.uptime_target)
