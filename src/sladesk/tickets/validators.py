"""Checks on ticket input that every way in shares: the API, the desk and the portal."""

from __future__ import annotations

from django.core.exceptions import ValidationError

__all__ = ["one_line_subject"]


def one_line_subject(value: str) -> None:
    """A subject is one line: a CR or LF would break the headers of every mail about the
    ticket (Django forms and DRF fields both take this validator)."""
    if "\r" in value or "\n" in value:
        raise ValidationError("The subject must be one line (no CR or LF characters).")
