"""Admin settings pages under ``/desk/settings/``: policies (YAML, validation, who uses
each), teams and agents. Read-only lists; editing stays in files and the Django admin."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from sladesk.accounts.models import Organization, Team
from sladesk.core.policies import available_policies
from sladesk.sla import SlaError, load_policy_text
from sladesk.web.access import admin_required

__all__ = ["agents", "policies", "policy_detail", "teams"]


@admin_required
def policies(request: HttpRequest) -> HttpResponse:
    """Every policy file with the organizations that run under it."""
    files = available_policies()
    users: dict[str, list[Organization]] = {}
    for org in Organization.objects.order_by("name"):
        users.setdefault(org.policy_name, []).append(org)
    rows = [(name, f, users.get(name, [])) for name, f in sorted(files.items())]
    unknown = sorted(set(users) - set(files))
    return render(
        request,
        "desk/settings_policies.html",
        {"rows": rows, "unknown": unknown, "nav": "settings"},
    )


@admin_required
def policy_detail(request: HttpRequest, name: str) -> HttpResponse:
    """The YAML of one policy; POST validates an edited text (nothing is saved)."""
    policy_file = available_policies().get(name)
    if policy_file is None:
        raise Http404("no such policy")
    text, error, checked = policy_file.text, "", False
    if request.method == "POST":
        text, checked = request.POST.get("text", ""), True
        try:
            load_policy_text(text, source=policy_file.path.name)
        except (SlaError, ValueError) as exc:
            error = str(exc)
    context = {
        "file": policy_file,
        "policy": policy_file.policy,
        "text": text,
        "error": error,
        "checked": checked,
        "organizations": list(Organization.objects.filter(policy_name=name).order_by("name")),
        "nav": "settings",
    }
    return render(request, "desk/settings_policy.html", context)


@admin_required
def teams(request: HttpRequest) -> HttpResponse:
    rows = (
        Team.objects.select_related("oncall_user").prefetch_related("agents__user").order_by("name")
    )
    return render(request, "desk/settings_teams.html", {"teams": rows, "nav": "settings"})


@admin_required
def agents(request: HttpRequest) -> HttpResponse:
    rows = (
        User.objects.filter(agent_profile__isnull=False)
        .select_related("agent_profile")
        .prefetch_related("agent_profile__teams")
        .order_by("username")
    )
    return render(request, "desk/settings_agents.html", {"agents": rows, "nav": "settings"})
