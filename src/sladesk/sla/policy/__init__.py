"""Support policies as code: load ``policies/*.yaml`` into a validated runtime `Policy`.

``load_policy(path)`` / ``load_policy_text(text, source=...)`` raise `PolicyError` whose
message is ``file:line: what is wrong``. The file format is documented in docs/policy.md.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path

from pydantic import ValidationError

from ..errors import PolicyError
from .actions import ActionRow, MomentAction
from .build import build_policy
from .loader import pydantic_error, read_yaml
from .model import (
    CreditBand,
    EscalationLevel,
    OutOfHours,
    Paging,
    Plan,
    Policy,
    PriorityLevel,
    Region,
    Target,
    UnknownPlanError,
    UnknownRegionError,
    UptimeTerms,
)
from .rules import RuleOutcome
from .schema import PolicySpec

__all__ = [
    "ActionRow",
    "CreditBand",
    "EscalationLevel",
    "MomentAction",
    "OutOfHours",
    "Paging",
    "Plan",
    "Policy",
    "PriorityLevel",
    "Region",
    "RuleOutcome",
    "Target",
    "UnknownPlanError",
    "UnknownRegionError",
    "UptimeTerms",
    "load_policy",
    "load_policy_text",
]


def load_policy_text(text: str, source: str = "<policy>") -> Policy:
    """Parse and validate a policy from YAML ``text``; ``source`` names it in errors."""
    data, lines = read_yaml(text, source)
    if not isinstance(data, dict):
        raise PolicyError("a policy file must be a mapping of keys (name:, title:, ...)", source, 1)
    try:
        spec = PolicySpec.model_validate(data)
    except ValidationError as exc:
        raise pydantic_error(exc, lines) from None
    return build_policy(spec, text, lines)


def load_policy(path: str | PathLike[str]) -> Policy:
    """Load ``path`` (UTF-8 YAML). A missing or unreadable file is a `PolicyError` too."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PolicyError("no such policy file", str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"cannot read the policy file: {exc}", str(path)) from None
    return load_policy_text(text, source=str(path))
