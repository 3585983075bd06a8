"""Forms of the agent ticket page; each one feeds exactly one ticket service."""

from __future__ import annotations

from typing import Any

import yaml
from django import forms

from sladesk.accounts.models import Team
from sladesk.tickets.models import Status
from sladesk.tickets.services import TRANSITIONS
from sladesk.tickets.validators import one_line_subject
from sladesk.web.forms import MultipleFileField

__all__ = [
    "AssignForm",
    "FieldsForm",
    "LinkForm",
    "MergeForm",
    "MessageForm",
    "PriorityForm",
    "SplitForm",
    "StatusForm",
]


class MessageForm(forms.Form):
    """A public reply (``kind=reply``) or an internal note (``kind=note``), with files."""

    body = forms.CharField(widget=forms.Textarea, strip=True)
    kind = forms.ChoiceField(
        choices=(("reply", "Public reply"), ("note", "Internal note")),
        initial="reply",
        required=False,
    )
    files = MultipleFileField(label="Attachments")
    #: after a public reply, also set this status ("Send and set pending/solved")
    then = forms.ChoiceField(
        choices=(("", "—"), (Status.PENDING, "pending"), (Status.SOLVED, "solved")), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("kind"):
            if not data.get("then"):
                raise forms.ValidationError("Choose a public reply or an internal note.")
            data["kind"] = "reply"  # the "Send and set …" buttons are public replies
        elif data["kind"] == "note" and data.get("then"):
            raise forms.ValidationError(
                "An internal note does not change the status; send a reply."
            )
        return data


class MergeForm(forms.Form):
    """Merge this ticket into ticket ``into`` (its number, ``#`` allowed)."""

    into = forms.CharField(max_length=20, strip=True, label="Merge into ticket #")
    notify_requester = forms.BooleanField(required=False, label="Tell the requester (public note)")
    note = forms.CharField(max_length=2000, required=False, strip=True)

    def clean_into(self) -> int:
        return _ticket_number(self.cleaned_data["into"])


class SplitForm(forms.Form):
    """Split the checked messages off into a new ticket."""

    messages = forms.TypedMultipleChoiceField(
        coerce=int, choices=(), error_messages={"required": "Tick the messages to split off."}
    )
    subject = forms.CharField(
        validators=[one_line_subject], max_length=300, required=False, strip=True
    )

    def __init__(self, *args: Any, message_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["messages"].choices = [(pk, pk) for pk in message_ids]


class LinkForm(forms.Form):
    """Relate this ticket to ticket ``other`` (its number)."""

    other = forms.CharField(max_length=20, strip=True, label="Related ticket #")

    def clean_other(self) -> int:
        return _ticket_number(self.cleaned_data["other"])


def _ticket_number(text: str) -> int:
    number = text.strip().lstrip("#")
    if not number.isdigit() or len(number) > 18:
        raise forms.ValidationError(f"{text!r} is not a ticket number")
    return int(number)


class PriorityForm(forms.Form):
    """A new priority from the ticket's policy, and the reason the customer will be told."""

    priority = forms.ChoiceField()
    reason = forms.CharField(
        max_length=500, strip=True, help_text="The customer is told this reason."
    )

    def __init__(self, *args: Any, policy: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["priority"].choices = [(p.key, f"{p.key} {p.name}") for p in policy.priorities]


class StatusForm(forms.Form):
    """A move along the life cycle the ticket's current status allows."""

    status = forms.ChoiceField()
    reason = forms.CharField(max_length=500, required=False, strip=True)

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Status.choices)
        allowed = sorted(TRANSITIONS.get(current, frozenset()), key=list(labels).index)
        self.fields["status"].choices = [(s, labels[s]) for s in allowed]


class AssignForm(forms.Form):
    """Dispatch to a team and/or an agent."""

    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False)
    assignee = forms.IntegerField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("team") and not data.get("assignee"):
            raise forms.ValidationError("Choose a team or an agent.")
        return data


class FieldsForm(forms.Form):
    """Tags (comma separated) and custom fields (``name: value`` per line, YAML values)."""

    tags = forms.CharField(required=False)
    custom_fields = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def clean_tags(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()]

    def clean_custom_fields(self) -> dict[str, Any]:
        text = self.cleaned_data["custom_fields"].strip()
        if not text:
            return {}
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise forms.ValidationError(f"not 'name: value' lines: {exc}") from exc
        if not isinstance(value, dict):
            raise forms.ValidationError("write one 'name: value' per line")
        return {str(k): v for k, v in value.items()}

    @staticmethod
    def initial_for(ticket: Any) -> dict[str, str]:
        fields = ticket.custom_fields or {}
        text = (
            yaml.safe_dump(fields, default_flow_style=False, sort_keys=True).strip()
            if fields
            else ""
        )
        return {"tags": ", ".join(t.name for t in ticket.tags.all()), "custom_fields": text}
