"""Priority rules: who may set the priority, then conditions that cap, floor or set it.

Semantics of `apply_rules`, in order:

1. No priority given -> the policy's ``default_priority``.
2. ``set_by == "customer"`` and the policy says ``customer_may_set_priority: false``
   (Houseware, seed 003: "the Customer Happiness team determines the priority") -> the
   customer's choice is ignored and the default is used.
3. Each rule, in file order, whose ``when`` conditions all hold on the ticket's fields:
   ``cap_priority`` makes the priority *at most* that urgent (Particle, seeds 000/001:
   unsupported Device OS or development/testing "are considered Priority 2 issues");
   ``floor_priority`` makes it *at least* that urgent (Esper, seed 002: 500+ devices
   affected is a Sev2 scenario); ``set_priority`` sets it.

A condition is ``field: value`` (equality), or ``field: {op: value}`` with ``eq``, ``ne``,
``in``, ``not_in``, ``gt``, ``gte``, ``lt``, ``lte``. A field missing from the ticket
makes the condition false (an unknown Device OS version does not cap anything).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .model import Policy

__all__ = ["OPERATORS", "Condition", "Rule", "RuleOutcome", "apply_rules"]

OPERATORS = ("eq", "ne", "in", "not_in", "gt", "gte", "lt", "lte")
_WORDS = {
    "eq": "is",
    "ne": "is not",
    "in": "is one of",
    "not_in": "is not one of",
    "gt": ">",
    "gte": ">=",
    "lt": "<",
    "lte": "<=",
}
_SETTERS = ("customer", "agent", "system")


@dataclass(frozen=True)
class Condition:
    """``fields[name] <op> value``."""

    name: str
    op: str
    value: Any

    def holds(self, fields: Mapping[str, Any]) -> bool:
        if self.name not in fields:
            return False
        got = fields[self.name]
        try:
            if self.op == "eq":
                return bool(_norm(got) == _norm(self.value))
            if self.op == "ne":
                return bool(_norm(got) != _norm(self.value))
            if self.op == "in":
                return _norm(got) in [_norm(v) for v in self.value]
            if self.op == "not_in":
                return _norm(got) not in [_norm(v) for v in self.value]
            if self.op == "gt":
                return bool(got > self.value)
            if self.op == "gte":
                return bool(got >= self.value)
            if self.op == "lt":
                return bool(got < self.value)
            return bool(got <= self.value)
        except TypeError:
            return False

    def __str__(self) -> str:
        return f"{self.name} {_WORDS[self.op]} {self.value!r}"


def _norm(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


@dataclass(frozen=True)
class Rule:
    """When all ``conditions`` hold: ``action`` (cap/floor/set) the priority to ``priority``."""

    conditions: tuple[Condition, ...]
    action: str  # "cap" | "floor" | "set"
    priority: str
    reason: str
    tag: str | None = None
    line: int = 0


@dataclass
class RuleOutcome:
    """The priority a ticket gets, the sentences saying why, and tags the rules add."""

    priority: str
    reasons: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)


def apply_rules(
    policy: Policy, priority: str | None, fields: Mapping[str, Any], *, set_by: str
) -> RuleOutcome:
    """Apply who-may-set-priority and the policy's rules (see the module docstring)."""
    if set_by not in _SETTERS:
        raise ValueError(f"set_by must be one of {', '.join(_SETTERS)}, got {set_by!r}")
    reasons: list[str] = []
    tags: list[str] = []
    if priority is None or not str(priority).strip():
        current = policy.default_priority
        reasons.append(f"No priority given: the default {current} applies.")
    elif set_by == "customer" and not policy.customer_may_set_priority:
        current = policy.default_priority
        reasons.append(
            f"Customer-chosen priority {priority!r} ignored: under {policy.name} only the "
            f"support team sets the priority; the default {current} applies until triage."
        )
    else:
        current = policy.resolve_priority(priority)
    for rule in policy.rules:
        if not all(c.holds(fields) for c in rule.conditions):
            continue
        if rule.tag and rule.tag not in tags:
            tags.append(rule.tag)
        target = rule.priority
        before = current
        if (
            (rule.action == "cap" and policy.rank(current) < policy.rank(target))
            or (rule.action == "floor" and policy.rank(current) > policy.rank(target))
            or rule.action == "set"
        ):
            current = target
        if current != before:
            verb = {"cap": "capped at", "floor": "raised to", "set": "set to"}[rule.action]
            why = " and ".join(str(c) for c in rule.conditions)
            reasons.append(f"Priority {verb} {current} (was {before}) because {why}: {rule.reason}")
    return RuleOutcome(current, reasons, tags)
