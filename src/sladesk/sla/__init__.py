"""The framework-free SLA core: calendars, business-time arithmetic, policies.

Pure Python (no Django); everything takes ``now``/instants as parameters and never reads
the clock. See docs/policy.md for the policy file format.
"""

from .calendar import Calendar, DayException, DaySegment
from .durations import Duration, parse_duration
from .errors import (
    NaiveDatetimeError,
    NoWorkingTimeError,
    PolicyError,
    SlaError,
    UnknownPriorityError,
)
from .policy import (
    EscalationLevel,
    MomentAction,
    OutOfHours,
    Paging,
    Plan,
    Policy,
    PriorityLevel,
    Region,
    RuleOutcome,
    Target,
    UnknownPlanError,
    UnknownRegionError,
    load_policy,
    load_policy_text,
)
from .spans import parse_spans

__all__ = [
    "Calendar",
    "DayException",
    "DaySegment",
    "Duration",
    "EscalationLevel",
    "MomentAction",
    "NaiveDatetimeError",
    "NoWorkingTimeError",
    "OutOfHours",
    "Paging",
    "Plan",
    "Policy",
    "PolicyError",
    "PriorityLevel",
    "Region",
    "RuleOutcome",
    "SlaError",
    "Target",
    "UnknownPlanError",
    "UnknownPriorityError",
    "UnknownRegionError",
    "load_policy",
    "load_policy_text",
    "parse_duration",
    "parse_spans",
]
