"""``/desk/mail/``: mail the email channel could not put on a ticket by itself.

Quarantined messages (not parseable, not sent to a routed address, sender not accepted —
"held") and, with ``?state=ignored``, ignored ones (bounces, auto-replies, loops, rate
limit), newest first: when received, sender, subject, the reason. The raw message can be
read as it arrived. The actions call the same service as the admin's
(`sladesk.intake.pipeline.retry`): **retry** (after a route or contact was added) and
**create ticket** (accept the sender as a contact of the chosen organization; loop checks
skipped). Agents and admins only; for anyone else the pages do not exist (404). A scoped
agent sees only the mail of its scope (`sladesk.intake.access.visible_inbound`): other
mail is 404, and "create ticket" offers only the organizations it may see.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from sladesk.accounts.access import access_organization, visible_organizations
from sladesk.intake.access import access_inbound, visible_inbound
from sladesk.intake.models import InboundMessage, InboundState
from sladesk.intake.pipeline import retry
from sladesk.web.access import agent_or_404

__all__ = ["mail_accept", "mail_quarantine", "mail_raw", "mail_retry"]

_STATES = {"quarantined": InboundState.QUARANTINED, "ignored": InboundState.IGNORED}
_PAGE = 100
_LIST_FIELDS = (
    "id",
    "received_at",
    "from_address",
    "envelope_from",
    "subject",
    "reason",
    "state",
    "size",
    "organization__name",
    "source",
)


@agent_or_404
def mail_quarantine(request: HttpRequest) -> HttpResponse:
    """The list: one query for the rows (never the raw bytes), one for the organizations,
    whose ``<option>`` list is rendered once and repeated in each row that needs it."""
    state = request.GET.get("state", "quarantined")
    if state not in _STATES:
        state = "quarantined"
    rows = list(
        visible_inbound(request.user, InboundMessage.objects.filter(state=_STATES[state]))
        .order_by("-received_at", "-id")
        .values(*_LIST_FIELDS)[: _PAGE + 1]
    )
    organizations = list(visible_organizations(request.user).order_by("name").values("id", "name"))
    context = {
        "rows": rows[:_PAGE],
        "more": len(rows) > _PAGE,
        "state": state,
        # rendered once, not once per row: 100 rows x 200 organizations was 130 ms of template
        "organization_options": render_to_string(
            "desk/_organization_options.html", {"organizations": organizations}
        )
        if any(not row["organization__name"] for row in rows[:_PAGE])
        else "",
        "nav": "mail",
    }
    return render(request, "desk/mail_quarantine.html", context)


@agent_or_404
def mail_raw(request: HttpRequest, inbound_id: int) -> HttpResponse:
    """The stored message exactly as received, shown as text (never rendered as HTML)."""
    row = access_inbound(request.user, inbound_id, InboundMessage.objects.only("id", "raw"))
    response = HttpResponse(bytes(row.raw), content_type="text/plain; charset=utf-8")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="inbound-{row.pk}.eml"'
    return response


def _done(request: HttpRequest, results: list[InboundMessage]) -> HttpResponse:
    for row in results:
        if row.state in (InboundState.TICKET, InboundState.REPLY, InboundState.DUPLICATE):
            messages.success(request, f"Mail #{row.pk} is now on ticket #{row.ticket_id}.")
        else:
            messages.warning(request, f"Mail #{row.pk} is still {row.state}: {row.reason}")
    back = request.POST.get("state", "quarantined")
    return HttpResponseRedirect(
        reverse("desk:mail_quarantine") + (f"?state={back}" if back in _STATES else "")
    )


@agent_or_404
@require_POST
def mail_retry(request: HttpRequest, inbound_id: int) -> HttpResponse:
    """Process the message again (after a route, alias or contact was added)."""
    access_inbound(request.user, inbound_id, InboundMessage.objects.only("id"))
    return _done(request, retry([inbound_id]))


@agent_or_404
@require_POST
def mail_accept(request: HttpRequest, inbound_id: int) -> HttpResponse:
    """Create the ticket: the sender becomes a contact of the message's organization (or
    of the one chosen in the form, for mail that reached no routed address)."""
    access_inbound(request.user, inbound_id, InboundMessage.objects.only("id"))
    chosen = request.POST.get("organization", "")
    organization = None
    if chosen:
        if not chosen.isdigit():
            messages.error(request, f"organization must be an id, got {chosen[:40]!r}")
            return _done(request, [])
        organization = access_organization(request.user, chosen)
    return _done(request, retry([inbound_id], accept=True, organization=organization))
