"""The framework-free SLA core: calendars, business-time arithmetic, policies.

Pure Python (no Django); everything takes ``now``/instants as parameters and never reads
the clock. See docs/policy.md for the policy file format.
"""

from .calendar import Calendar, DayException, DaySegment
from .errors import (
    NaiveDatetimeError,
    NoWorkingTimeError,
    PolicyError,
    SlaError,
    UnknownPriorityError,
)
from .spans import parse_spans

__all__ = [
    "Calendar",
    "DayException",
    "DaySegment",
    "NaiveDatetimeError",
    "NoWorkingTimeError",
    "PolicyError",
    "SlaError",
    "UnknownPriorityError",
    "parse_spans",
]
