"""Portal forms: a new ticket shaped by the organization's policy, reply, escalate.

The new-ticket form asks what the policy needs:

- **priority**: the policy's levels that have targets under the organization's plan and
  region, each with its description, so the customer picks honestly; absent when the
  policy says ``customer_may_set_priority: false`` (Houseware: the team sets it).
- **custom fields**: every field the policy's rules read (``device_os_supported``,
  ``environment``, ``devices_affected`` ...), typed from the rule's condition (yes/no for a
  boolean, a number for a comparison, a choice for ``in``), plus ``device_os_version``
  where the policy asks whether the Device OS is supported. All optional: a missing field
  makes a rule's condition false (see `sladesk.sla.policy.rules`).
"""

from __future__ import annotations

from typing import Any

from django import forms

from sladesk.tickets.validators import one_line_subject
from sladesk.web.forms import MultipleFileField

__all__ = ["EscalateForm", "NewTicketForm", "ReplyForm", "policy_fields"]

#: field name -> (label, help) for fields the seed policies read.
KNOWN_FIELDS: dict[str, tuple[str, str]] = {
    "device_os_supported": (
        "Is your Device OS version supported?",
        "Unsupported versions are handled as Priority 2 at most.",
    ),
    "device_os_version": ("Device OS version", "For example 5.8.0."),
    "environment": (
        "Environment",
        "Issues in development or testing are handled as Priority 2 at most.",
    ),
    "devices_affected": ("Devices affected", "How many devices show the problem."),
}


def _label(name: str) -> tuple[str, str]:
    return KNOWN_FIELDS.get(name, (name.replace("_", " ").capitalize(), ""))


def policy_fields(policy: Any) -> dict[str, forms.Field]:
    """Form fields for every custom field the policy's rules read (see module docstring)."""
    out: dict[str, forms.Field] = {}
    for rule in policy.rules:
        for cond in rule.conditions:
            if cond.name in out:
                continue
            label, help_text = _label(cond.name)
            if isinstance(cond.value, bool):
                out[cond.name] = forms.TypedChoiceField(
                    label=label,
                    help_text=help_text,
                    required=False,
                    empty_value=None,
                    choices=[("", "I don't know"), ("yes", "Yes"), ("no", "No")],
                    coerce=lambda v: v == "yes",
                )
                if cond.name == "device_os_supported":
                    vlabel, vhelp = _label("device_os_version")
                    out["device_os_version"] = forms.CharField(
                        label=vlabel, help_text=vhelp, required=False, max_length=50
                    )
            elif cond.op in ("gt", "gte", "lt", "lte") or isinstance(cond.value, int):
                out[cond.name] = forms.IntegerField(
                    label=label, help_text=help_text, required=False, min_value=0
                )
            elif cond.op in ("in", "not_in") and isinstance(cond.value, (list, tuple)):
                values = ["production", *[str(v) for v in cond.value if str(v) != "production"]]
                out[cond.name] = forms.ChoiceField(
                    label=label,
                    help_text=help_text,
                    required=False,
                    choices=[("", "—"), *[(v, v.capitalize()) for v in values]],
                )
            else:
                out[cond.name] = forms.CharField(
                    label=label, help_text=help_text, required=False, max_length=200
                )
    return out


def priority_choices(
    policy: Any, plan: str | None, region: str | None
) -> list[tuple[str, str, str]]:
    """(key, "P2 High", description) for the levels with targets under this plan/region."""
    out = []
    for level in policy.priorities:
        try:
            has_targets = bool(policy.targets(level.key, plan=plan, region=region))
        except Exception:
            has_targets = False
        if has_targets:
            out.append((level.key, f"{level.key} {level.name}", level.description))
    return out


class NewTicketForm(forms.Form):
    subject = forms.CharField(validators=[one_line_subject], max_length=300)
    description = forms.CharField(widget=forms.Textarea)
    priority = forms.ChoiceField(widget=forms.RadioSelect, required=False)
    files = MultipleFileField(label="Attachments")

    def __init__(
        self, *args: Any, policy: Any, plan: str | None, region: str | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.policy = policy
        self.levels = (
            priority_choices(policy, plan, region) if policy.customer_may_set_priority else []
        )
        if self.levels:
            self.fields["priority"].choices = [(k, label) for k, label, _ in self.levels]
            self.fields["priority"].required = True
            self.fields["priority"].initial = policy.default_priority
        else:
            del self.fields["priority"]
        self.custom = policy_fields(policy)
        for name, field in self.custom.items():
            self.fields[f"cf_{name}"] = field

    def custom_values(self) -> dict[str, Any]:
        """The custom fields the customer filled in (blank ones left out)."""
        out = {}
        for name in self.custom:
            value = self.cleaned_data.get(f"cf_{name}")
            if value not in (None, ""):
                out[name] = value
        return out

    def custom_bound(self) -> list[forms.BoundField]:
        return [self[f"cf_{name}"] for name in self.custom]


class ReplyForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea, strip=True)
    files = MultipleFileField(label="Attachments")


class EscalateForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=2000, strip=True)
