"""Pages: call on-call, repeat until acknowledged, resolve when the clock is met.

`page_oncall` is the one call every paging decision goes through (P1 created, out-of-hours
request, ``page_on_breach`` target missed). An app above may take a page over
(`register_escalation`: `sladesk.oncall` runs its escalation policy then); a page nobody
takes goes to the team's paging targets and repeats (`sladesk.notify.recipients.oncall`).
All functions here run inside the caller's transaction (the reactions to ticket events and
the timer worker call them) or open their own, and write ``page`` ticket events.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.urls import reverse

from sladesk.core import time as core_time
from sladesk.core.inserts import insert_new
from sladesk.tickets import events
from sladesk.tickets.models import SlaClock, Ticket

from . import Notification
from .conf import conf
from .links import absolute, read_link, sign_link, ticket_url
from .models import OutboxMessage, Page, PageState, Timer, TimerKind, TimerState
from .outbox import enqueue, message
from .recipients import Recipient, oncall, oncall_team

__all__ = [
    "Escalation",
    "ack_subject_tag",
    "ack_token",
    "ack_url",
    "acknowledge_page",
    "page_for_subject",
    "page_for_token",
    "page_oncall",
    "page_vetoed",
    "register_escalation",
    "register_page_veto",
    "repeat_page",
    "resolve_page",
    "resolve_pages",
]

Escalation = Callable[[Page, Ticket, datetime, Any], "dict[str, Any] | None"]
"""Takes a new page over (``page, ticket, now, actor``): returns the data of the page's
``triggered`` event (it then queues its own notifications and timers), or None to leave the
page to the default (the team's paging targets, repeated)."""

_escalations: list[Escalation] = []


def register_escalation(take: Escalation) -> None:
    """Let ``take`` run every new page first (`sladesk.oncall` registers in ``ready()``;
    notify never imports it). Registering the same function twice is a no-op."""
    if take not in _escalations:
        _escalations.append(take)


_SALT = "sladesk.notify.ack.v2"  # v2: no page-key suffix in the token (older links refused)


#: Functions the apps above notify register to withhold a *breach or warning* page:
#: ``veto(ticket, clock, moment)`` returns why not to page (a sentence), or None.
_VETOES: list[Callable[[Ticket, SlaClock | None, datetime], str | None]] = []


def register_page_veto(veto: Callable[[Ticket, SlaClock | None, datetime], str | None]) -> None:
    """Register a veto on the pages of a clock's moment (`sladesk.notify.policy_actions`):
    the status page withholds the page of a ticket about a component under announced
    maintenance where the policy says so. Registering the same function twice is a no-op."""
    if veto not in _VETOES:
        _VETOES.append(veto)


def page_vetoed(ticket: Ticket, clock: SlaClock | None, moment: datetime) -> str | None:
    """The first registered veto's reason not to page about ``ticket`` now (None: page)."""
    for veto in _VETOES:
        reason = veto(ticket, clock, moment)
        if reason:
            return reason
    return None


def ack_token(page: Page) -> str:
    """A signed token naming ``page`` for the acknowledge link (`links.sign_link`: the page
    id and the issue time, no part of the page key receivers see)."""
    return sign_link({"page": page.pk}, salt=_SALT)


def page_for_token(token: str) -> Page | None:
    """The page a valid token names, issued within ``ack_link_days`` and not in the future."""
    claim = read_link(token, salt=_SALT, max_age=timedelta(days=conf().ack_link_days))
    if claim is None or not isinstance(claim.get("page"), int):
        return None
    return Page.objects.filter(pk=claim["page"]).first()


_ACK_TAG = re.compile(r"\[ack (sladesk-page-[0-9a-f]{32})\]")


def ack_subject_tag(page: Page) -> str:
    """``[ack <page key>]``: put in a page e-mail's subject, a reply to it (which keeps the
    subject) acknowledges the page when an agent sends it (`sladesk.intake`)."""
    return f"[ack {page.key}]"


def page_for_subject(subject: str) -> Page | None:
    """The page whose `ack_subject_tag` is in ``subject`` (None: none, or unknown)."""
    found = _ACK_TAG.search(subject or "")
    return Page.objects.filter(key=found.group(1)).first() if found else None


def ack_url(page: Page) -> str:
    return absolute(reverse("notify:ack", args=[ack_token(page)]))


def _notification(
    page: Page, r: Recipient, action: str, summary: str, body: str, n: int = 0
) -> Notification:
    # PagerDuty ties trigger/acknowledge/resolve by the page key; other channels get a key
    # per message so that a repeat is not mistaken for a duplicate (e-mail Message-ID).
    key = page.key if r.channel == "pagerduty" else f"{page.key}:{action}:{n}"
    return Notification(
        idempotency_key=key,
        channel=r.channel,  # type: ignore[arg-type]
        summary=summary,
        body=body,
        severity="critical" if action == "trigger" else "info",
        ticket_ref=f"#{page.ticket_id}",
        ticket_url=ticket_url(page.ticket_id),
        action=action,  # type: ignore[arg-type]
        extra={"page": page.pk, "reason": page.reason, "ack_url": ack_url(page)},
    )


def _queue(
    page: Page,
    recipients: list[Recipient],
    action: str,
    base: str,
    at: datetime,
    summary: str,
    body: str = "",
    n: int = 0,
) -> None:
    enqueue(
        [
            message(
                _notification(page, r, action, summary, body, n),
                r,
                key=f"{base}:{r.channel}:{r.destination}",
                purpose=f"page_{action}" if action != "trigger" else "page",
                at=at,
                ticket_id=page.ticket_id,
                page_id=page.pk,
            )
            for r in recipients
        ]
    )


def _trigger_text(ticket: Ticket, page: Page) -> tuple[str, str]:
    summary = f"{ticket.priority} ticket #{ticket.pk}: {page.reason}"
    return summary, f"{ticket.subject}\nAcknowledge: {ack_url(page)}"


def page_oncall(
    ticket: Ticket,
    reason: str,
    *,
    clock: SlaClock | None = None,
    now: datetime | None = None,
    actor: Any = None,
    event: str | None = None,
) -> Page:
    """Page on-call about ``ticket`` (in the caller's transaction) and log it.

    Sends a trigger to every paging target of the on-call team (`recipients.oncall`) and
    schedules the repeat timer. ``clock`` is the promise the page is about: meeting it
    resolves the page. ``event`` names the paging event (``created_urgent``,
    ``out_of_hours``, ...; `OncallPolicies`) when the caller knows it better than
    the page's timing does (a ticket raised to a paging priority after it opened); it is
    handed to the apps that take pages over as ``page.paging_event`` (not stored).
    """
    now = now or core_time.now()
    team = oncall_team(ticket)
    [page] = insert_new(
        [Page(ticket=ticket, clock=clock, team=team, reason=reason, created_at=now)]
    )
    page.paging_event = event
    for take in _escalations:
        taken = take(page, ticket, now, actor)
        if taken is not None:
            events.write(
                [
                    events.page(
                        ticket.pk,
                        now,
                        actor=actor,
                        action="triggered",
                        page=page.pk,
                        reason=reason,
                        team=team.slug if team else None,
                        **taken,
                    )
                ]
            )
            return page
    targets = oncall(team)
    summary, body = _trigger_text(ticket, page)
    _queue(page, targets, "trigger", f"page:{page.pk}:trigger", now, summary, body)
    repeat = Timer(
        ticket=ticket,
        page=page,
        kind=TimerKind.PAGE_REPEAT,
        fire_at=now + timedelta(minutes=conf().page_repeat_minutes),
        generation=page.generation,
        created_at=now,
        updated_at=now,
    )
    insert_new([repeat])
    events.write(
        [
            events.page(
                ticket.pk,
                now,
                actor=actor,
                action="triggered",
                page=page.pk,
                reason=reason,
                team=team.slug if team else None,
                to=[r.label for r in targets],
                outcome="queued" if targets else "no paging target configured",
            )
        ]
    )
    return page


def repeat_page(timer: Timer, ticket: Ticket, moment: datetime, late: bool) -> bool:
    """Fire a page's repeat timer (the timer worker's transaction): page again, re-arm."""
    page = Page.objects.select_for_update().get(pk=timer.page_id)
    if page.state != PageState.TRIGGERED or page.generation != timer.generation:
        Timer.objects.filter(pk=timer.pk).update(state=TimerState.CANCELLED, updated_at=moment)
        return True
    page.repeats += 1
    page.generation += 1
    page.save(update_fields=["repeats", "generation"])
    targets = oncall(page.team)
    summary, body = _trigger_text(ticket, page)
    base = f"timer:{timer.pk}:{timer.generation}:page_repeat"
    _queue(
        page,
        targets,
        "trigger",
        base,
        moment,
        f"[repeat {page.repeats}] {summary}",
        body,
        page.repeats,
    )
    Timer.objects.filter(pk=timer.pk).update(
        fire_at=moment + timedelta(minutes=conf().page_repeat_minutes),
        generation=page.generation,
        fired_at=moment,
        late=late,
        updated_at=moment,
    )
    events.write(
        [
            events.page(
                ticket.pk,
                moment,
                action="repeated",
                page=page.pk,
                repeat=page.repeats,
                to=[r.label for r in targets],
            )
        ]
    )
    return True


def _pagerduty_targets(page: Page) -> list[Recipient]:
    """The PagerDuty destinations the page's trigger went to (acknowledge/resolve follow)."""
    sent = (
        OutboxMessage.objects.filter(page=page, purpose="page", channel="pagerduty")
        .values_list("destination", flat=True)
        .distinct()
    )
    return [Recipient("pagerduty", d, f"{d} (pagerduty)") for d in sent]


def _close(page: Page, state: str, at: datetime) -> None:
    page.state = state
    page.generation += 1
    Timer.objects.filter(page=page, state=TimerState.PENDING).update(
        state=TimerState.CANCELLED, updated_at=at
    )


def acknowledge_page(page: Page, actor: Any, *, via: str = "api") -> Page:
    """Someone has it: stop the repeats, acknowledge the PagerDuty incident. Idempotent."""
    now = core_time.now()
    with transaction.atomic():
        Ticket.objects.select_for_update().filter(pk=page.ticket_id).first()
        page = Page.objects.select_for_update().get(pk=page.pk)
        if page.state != PageState.TRIGGERED:
            return page
        _close(page, PageState.ACKNOWLEDGED, now)
        page.acknowledged_at = now
        page.acknowledged_by = (
            actor if getattr(actor, "pk", None) and not isinstance(actor, str) else None
        )
        page.acknowledged_via = via
        page.save()
        summary = f"page about ticket #{page.ticket_id} acknowledged"
        _queue(
            page,
            _pagerduty_targets(page),
            "acknowledge",
            f"page:{page.pk}:acknowledge",
            now,
            summary,
        )
        events.write(
            [
                events.page(
                    page.ticket_id, now, actor=actor, action="acknowledged", page=page.pk, via=via
                )
            ]
        )
    return page


def resolve_page(
    page: Page, actor: Any, *, via: str = "api", reason: str = "resolved by hand"
) -> Page:
    """Someone resolved the page itself (API, desk, PagerDuty): its steps and repeats stop
    and PagerDuty gets ``resolve`` with the page key. Idempotent."""
    now = core_time.now()
    with transaction.atomic():
        Ticket.objects.select_for_update().filter(pk=page.ticket_id).first()
        page = Page.objects.select_for_update().get(pk=page.pk)
        if page.state == PageState.RESOLVED:
            return page
        _close(page, PageState.RESOLVED, now)
        page.resolved_at = now
        page.save(update_fields=["state", "generation", "resolved_at"])
        summary = f"page about ticket #{page.ticket_id} resolved: {reason}"
        _queue(page, _pagerduty_targets(page), "resolve", f"page:{page.pk}:resolve", now, summary)
        events.write(
            [
                events.page(
                    page.ticket_id,
                    now,
                    actor=actor,
                    action="resolved",
                    page=page.pk,
                    via=via,
                    reason=reason,
                )
            ]
        )
    return page


def resolve_pages(clock_ids: list[int], now: datetime, reason: str = "the clock was met") -> int:
    """Resolve the open pages about these clocks (met or cancelled), in the caller's
    transaction: repeats stop and PagerDuty gets ``resolve`` with the page key."""
    open_pages = list(
        Page.objects.select_for_update()
        .filter(clock_id__in=clock_ids)
        .exclude(state=PageState.RESOLVED)
    )
    for page in open_pages:
        _close(page, PageState.RESOLVED, now)
        page.resolved_at = now
        page.save(update_fields=["state", "generation", "resolved_at"])
        summary = f"page about ticket #{page.ticket_id} resolved: {reason}"
        _queue(page, _pagerduty_targets(page), "resolve", f"page:{page.pk}:resolve", now, summary)
    events.write(
        [
            events.page(p.ticket_id, now, action="resolved", page=p.pk, reason=reason)
            for p in open_pages
        ]
    )
    return len(open_pages)
