from typing import Any

from django import forms
from django.contrib import admin

from sladesk.core.policies import available_policies

from .models import (
    AccountTeamMember,
    AgentProfile,
    AgentScopeOrganization,
    AgentScopeTeam,
    Contact,
    Organization,
    Team,
)
from .validation import policy_choices

__all__: list[str] = []


class AccountTeamInline(admin.TabularInline):
    model = AccountTeamMember
    extra = 0
    autocomplete_fields = ("user",)


class OrganizationAdminForm(forms.ModelForm):
    """The policy is chosen from the loaded policy files; plan, region and time zone are
    checked by `Organization.clean` (the checks the API runs too)."""

    policy_name = forms.ChoiceField(label="Policy", choices=())

    class Meta:
        model = Organization
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = policy_choices()
        current = self.instance.policy_name if self.instance.pk else None
        if current and current not in dict(choices):
            choices.insert(0, (current, f"{current} — not loaded: pick a loaded policy"))
        self.fields["policy_name"].choices = choices  # type: ignore[attr-defined]
        plans = {
            name: ", ".join(pf.policy.plans) or "(none)"
            for name, pf in sorted(available_policies().items())
        }
        self.fields["plan"].help_text = (
            "Blank: the policy's default. Plans per policy: "
            + "; ".join(f"{name}: {keys}" for name, keys in plans.items())
        )
        self.fields["timezone"].help_text = "An IANA zone, e.g. Europe/Berlin"


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    form = OrganizationAdminForm
    list_display = ("name", "slug", "policy_name", "plan", "region", "timezone")
    list_filter = ("policy_name", "plan", "region")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    inlines = (AccountTeamInline,)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("email", "name", "organization", "user")
    list_filter = ("organization",)
    search_fields = ("email", "name")
    list_select_related = ("organization", "user")
    raw_id_fields = ("user",)


# Fields whose values carry credentials: a Slack webhook URL and Apprise URLs embed tokens
# just like the PagerDuty routing key and the webhook secret.
_SECRETS = ("pagerduty_routing_key", "webhook_secret", "slack_webhook_url", "apprise_urls")


class _WriteOnlyTextarea(forms.Textarea):
    """A textarea that never renders the stored value back into the page."""

    def format_value(self, value: Any) -> None:
        return None


class TeamAdminForm(forms.ModelForm):
    """Team targets; the routing key, webhook secret, Slack webhook URL and Apprise URLs are
    never rendered back into the page (a blank field keeps the stored value; tick "clear" to
    remove them all)."""

    clear_secrets = forms.BooleanField(
        required=False,
        label="Clear the routing key, webhook secret, Slack webhook URL and Apprise URLs",
    )

    class Meta:
        model = Team
        fields = "__all__"
        widgets = {
            **{name: forms.PasswordInput(render_value=False) for name in _SECRETS[:3]},
            "apprise_urls": _WriteOnlyTextarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in _SECRETS:
            if getattr(self.instance, name, ""):
                self.fields[name].help_text = "set (leave blank to keep it)"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in _SECRETS:
            if self.cleaned_data.get("clear_secrets"):
                data[name] = ""
            elif not data.get(name) and self.instance.pk:
                data[name] = getattr(self.instance, name)
        return data


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    form = TeamAdminForm
    list_display = ("name", "slug", "oncall_user")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


class ScopeOrganizationInline(admin.TabularInline):
    """The organizations the agent may see (none: all)."""

    model = AgentScopeOrganization
    extra = 0
    autocomplete_fields = ("organization",)
    verbose_name = "scope: organization"
    verbose_name_plural = (
        "Scope: only these organizations' tickets, contacts and mail "
        "(none: all; superusers see everything)"
    )


class ScopeTeamInline(admin.TabularInline):
    """The teams whose tickets the agent may see (none: all)."""

    model = AgentScopeTeam
    extra = 0
    autocomplete_fields = ("team",)
    verbose_name = "scope: team"
    verbose_name_plural = "Scope: only tickets dispatched to these teams (none: all)"


@admin.register(AgentProfile)
class AgentProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "timezone")
    filter_horizontal = ("teams",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    raw_id_fields = ("user",)
    inlines = (ScopeOrganizationInline, ScopeTeamInline)
