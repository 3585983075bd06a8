"""The checks every way of editing an account runs: API serializers, the Django admin (through
the models' ``clean``) and the desk's forms share them, so a value one of them refuses none
of them accepts.

Each check returns the problems it found as ``{field: message}`` (empty: all well); callers
turn that into their own error type (DRF's ``ValidationError``, Django's).
"""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sladesk.core.policies import available_policies
from sladesk.sla import SlaError

__all__ = ["contract_problems", "policy_choices", "zone_problem"]


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones()) | {"UTC"}


def zone_problem(value: str) -> str | None:
    """Why ``value`` is not an IANA time zone name (blank is allowed: "not set"), or None."""
    if not value:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return f"{value!r} is not an IANA time zone (e.g. Europe/Berlin)"
    if value not in _zones():
        return f"{value!r} is not an IANA time zone (e.g. Europe/Berlin)"
    return None


def policy_choices() -> list[tuple[str, str]]:
    """``(name, "name — title")`` of every loaded policy file, for a select box."""
    return [
        (name, f"{name} — {pf.policy.title}") for name, pf in sorted(available_policies().items())
    ]


def contract_problems(policy_name: str, plan: str, region: str) -> dict[str, str]:
    """What is wrong with an organization's contract: the policy must be a loaded policy file,
    ``plan`` and ``region`` (blank: the policy's default) keys of that policy. Keys of the
    result: ``policy_name``, ``plan``, ``region``."""
    policies = available_policies()
    if policy_name not in policies:
        known = ", ".join(sorted(policies)) or "none"
        return {"policy_name": f"no policy named {policy_name!r} (known: {known})"}
    policy = policies[policy_name].policy
    problems: dict[str, str] = {}
    try:
        policy.resolve_plan(plan or None)
    except SlaError as exc:
        problems["plan"] = str(exc)
    try:
        policy.resolve_region(region or None)
    except SlaError as exc:
        problems["region"] = str(exc)
    return problems
