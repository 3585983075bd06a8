"""Errors raised by the SLA core; each message names the problem in words a person can act on."""

from __future__ import annotations

__all__ = [
    "NaiveDatetimeError",
    "NoWorkingTimeError",
    "PolicyError",
    "SlaError",
    "UnknownPriorityError",
]


class SlaError(ValueError):
    """Base class for every error of `sladesk.sla`."""


class NaiveDatetimeError(SlaError):
    """A datetime without a time zone was given where an instant is needed."""

    def __init__(self, what: str, value: object) -> None:
        super().__init__(
            f"{what} must be a timezone-aware datetime, got naive {value!r}; "
            "attach a zone (e.g. 2026-11-25T16:30-08:00 or tzinfo=ZoneInfo('America/Los_Angeles'))"
        )


class NoWorkingTimeError(SlaError):
    """A calendar has no working time at all (or none left before year 9999)."""


class UnknownPriorityError(SlaError):
    """A priority name that the policy does not know."""


class PolicyError(SlaError):
    """A policy file is invalid. `file` and `line` locate the first problem when known.

    `problems` holds every problem found in the file, this one first, in file order where
    lines are known (``sladesk sla check`` prints them all); ``str()`` is the first one.
    """

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        self.message = message
        self.file = file
        self.line = line
        self.problems: tuple[PolicyError, ...] = (self,)
        where = file or "<policy>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")

    @classmethod
    def of(cls, problems: list[PolicyError]) -> PolicyError:
        """One error standing for ``problems`` (non-empty): the first by line, with all."""
        ordered = sorted(problems, key=lambda p: p.line if p.line is not None else 0)
        first = ordered[0]
        first.problems = tuple(ordered)
        return first
