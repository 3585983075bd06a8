"""Escalation: a page climbs its escalation policy, step by step, on one durable timer.

`take_page` is registered with `sladesk.notify.pages.register_escalation` (in
``OncallConfig.ready``): every new page asks it first. It finds the paging event
(`paging_event`), the escalation policy the ticket's policy file names for it
(``oncall:`` in docs/policy.md), snapshots that policy into a `PageEscalation`, runs the
first step in the caller's transaction (the page's notifications are outbox rows committed
with the ticket) and arms the page's ``oncall_step`` timer. With no policy named (or no
such policy) it declines, and notify pages the team's targets as before.

`fire_step` (registered with `sladesk.notify.timers.register_timer_kind`) runs in the timer
worker's transaction, the ticket and the page locked; the timer's ``generation`` must still
be the page's (acknowledging, resolving or a later step bumps it), so a stale or repeated
firing does nothing. The page's agenda holds what is owed: the next step and personal
notifications a rule delays ("SMS after 5 minutes"); the timer fires at its earliest entry.

A step outside its time-of-day gate, or whose target is nobody (an empty schedule, a team
without agents, a channel not configured), is skipped at once and the next one runs in the
same transaction; ``nobody`` marks the page for the desk's red "nobody on call". If a whole
round reaches nobody, the team's paging targets are paged instead, so a page never goes
silent. After the last step's wait the policy runs again, ``repeat`` more times.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model

from sladesk.accounts.models import AgentProfile
from sladesk.core.inserts import insert_new
from sladesk.notify import Notification
from sladesk.notify.links import ticket_url
from sladesk.notify.models import Page, PageState, Timer, TimerState
from sladesk.notify.outbox import enqueue, message
from sladesk.notify.pages import ack_subject_tag, ack_url
from sladesk.notify.recipients import Recipient, oncall
from sladesk.tickets.clocks import policy_of
from sladesk.tickets.events import page as page_event
from sladesk.tickets.events import write as write_events
from sladesk.tickets.models import Metric, Ticket

from .. import schedule as engine_mod
from ..models import EscalationPolicy, NotificationRule, PageEscalation, Schedule
from .schedules import oncall_users

__all__ = ["STEP_TIMER", "fire_step", "paging_event", "snapshot", "take_page"]

STEP_TIMER = "oncall_step"
PERSONAL = ("email", "slack", "sms", "voice")


def paging_event(page: Page, ticket: Ticket) -> str:
    """Which paging event ``page`` is: ``created_urgent`` / ``out_of_hours`` for a page
    made when the ticket opened (a ``page_on_create`` priority wins over out of hours),
    ``dispatch_missed`` for a page about a dispatch clock, ``breach`` otherwise; the event
    the caller of `page_oncall` named (``page.paging_event``) wins over all of these."""
    named: str | None = getattr(page, "paging_event", None)
    if named is not None:
        return named
    policy = policy_of(ticket)
    if page.created_at == ticket.created_at:
        key = policy.resolve_priority(ticket.priority)
        return "created_urgent" if key in policy.paging.on_create else "out_of_hours"
    if page.clock_id is not None and page.clock.metric == Metric.DISPATCH:
        return "dispatch_missed"
    return "breach"


def snapshot(policy: EscalationPolicy) -> dict[str, Any]:
    """The policy as a frozen value: what a page climbs, whatever edits come later."""
    steps = []
    for step in policy.steps.select_related("user", "schedule", "team").order_by("position"):
        target = {
            "user": step.user.get_username() if step.user else None,
            "schedule": step.schedule.name if step.schedule else None,
            "team": step.team.slug if step.team else None,
        }
        label = next((f"{k} {v}" for k, v in target.items() if v), step.kind)
        if step.kind == "channel":
            label = f"team {target['team']} {step.channel or 'channels'}"
        steps.append(
            {
                "kind": step.kind,
                "label": label,
                "user": step.user_id,
                "schedule": step.schedule_id,
                "team": step.team_id,
                "channel": step.channel,
                "wait": step.wait_minutes,
                "windows": step.windows,
                "outside": step.outside,
            }
        )
    return {
        "name": policy.name,
        "version": policy.version,
        "timezone": policy.timezone,
        "repeat": policy.repeat,
        "steps": steps,
    }


def _gate_open(step: dict[str, Any], tz: str, at: datetime) -> bool:
    windows = step.get("windows") or []
    if not windows:
        return True
    local = at.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    inside = any(
        engine_mod.Restriction(
            frozenset(w["weekdays"]), time.fromisoformat(w["start"]), time.fromisoformat(w["end"])
        ).contains(local)
        for w in windows
    )
    return inside != bool(step.get("outside"))


def _step_users(step: dict[str, Any], at: datetime) -> list[Any]:
    if step["kind"] == "user":
        return list(get_user_model().objects.filter(pk=step["user"], is_active=True))
    if step["kind"] == "schedule":
        schedule = Schedule.objects.filter(pk=step["schedule"]).first()
        return [] if schedule is None else [u for u in oncall_users(schedule, at) if u.is_active]
    if step["kind"] == "team":
        agents = AgentProfile.objects.filter(
            teams=step["team"], user__is_active=True
        ).select_related("user")
        return [a.user for a in agents.order_by("user__username")]
    return []


def _channel_targets(step: dict[str, Any]) -> list[Recipient]:
    from sladesk.accounts.models import Team

    team = Team.objects.filter(pk=step["team"]).first()
    targets = [r for r in oncall(team) if r.channel != "email"]
    return [r for r in targets if not step.get("channel") or r.channel == step["channel"]]


def _rules(users: list[Any]) -> dict[int, list[NotificationRule]]:
    out: dict[int, list[NotificationRule]] = {u.pk: [] for u in users}
    for rule in NotificationRule.objects.filter(user__in=[u.pk for u in users]):
        out[rule.user_id].append(rule)
    return out


def _rule_recipient(rule: NotificationRule, user: Any) -> Recipient:
    if rule.channel == "email":
        return Recipient("email", f"user:{user.pk}", f"{user.get_username()} (email)")
    return Recipient(
        rule.channel, f"oncall:rule:{rule.pk}", f"{user.get_username()} ({rule.channel})"
    )


def _send(page: Page, ticket: Ticket, targets: list[Recipient], key: str, at: datetime) -> None:
    summary = f"{ticket.priority} ticket #{ticket.pk}: {page.reason}"
    body = f"{ticket.subject}\nAcknowledge: {ack_url(page)}"
    rows = []
    for r in targets:
        by_mail = r.channel == "email"  # a reply (an agent's, not an auto-reply) acknowledges
        notification = Notification(
            idempotency_key=page.key if r.channel == "pagerduty" else f"{page.key}:{key}",
            channel=r.channel,  # type: ignore[arg-type]
            summary=f"{summary} {ack_subject_tag(page)}" if by_mail else summary,
            body=f"{body}\nOr reply to this e-mail to acknowledge." if by_mail else body,
            severity="critical",
            ticket_ref=f"#{ticket.pk}",
            ticket_url=ticket_url(ticket.pk),
            action="trigger",
            extra={"page": page.pk, "reason": page.reason, "ack_url": ack_url(page)},
        )
        rows.append(
            message(
                notification,
                r,
                key=f"page:{page.pk}:{key}:{r.channel}:{r.destination}",
                purpose="page",
                at=at,
                ticket_id=ticket.pk,
                page_id=page.pk,
            )
        )
    enqueue(rows)


def _notify_users(
    esc: PageEscalation, page: Page, ticket: Ticket, users: list[Any], at: datetime
) -> list[str]:
    """Queue each user's immediate rules now and put the delayed ones on the agenda."""
    labels, now_targets = [], []
    rules = _rules(users)
    for user in users:
        mine = rules[user.pk] or [NotificationRule(user=user, channel="email", delay_minutes=0)]
        for rule in mine:
            if rule.delay_minutes == 0:
                now_targets.append(_rule_recipient(rule, user))
            else:
                esc.agenda.append(
                    {
                        "at": (at + timedelta(minutes=rule.delay_minutes)).isoformat(),
                        "do": "notify",
                        "user": user.pk,
                        "rule": rule.pk,
                        "round": esc.round,
                        "step": esc.step,
                    }
                )
        labels.append(user.get_username())
    _send(page, ticket, now_targets, f"r{esc.round}s{esc.step}", at)
    return labels


def _climb(esc: PageEscalation, page: Page, ticket: Ticket, at: datetime) -> list[Any]:
    """Run steps from ``esc.step`` until one reaches someone (then put the next on the
    agenda after its wait); return the page events to write."""
    snap = esc.snapshot
    steps = snap["steps"]
    events: list[Any] = []
    skipped = 0
    while True:
        if esc.step >= len(steps):
            if esc.round >= snap["repeat"] or not steps:
                if skipped >= len(steps):  # nobody anywhere this round: never go silent
                    fallback = oncall(page.team)
                    _send(page, ticket, fallback, f"r{esc.round}fallback", at)
                    events.append(
                        page_event(
                            ticket.pk,
                            at,
                            action="fallback",
                            page=page.pk,
                            to=[r.label for r in fallback],
                            outcome="nobody on call at any step: paged the team's targets"
                            if fallback
                            else "nobody on call and no paging target configured",
                        )
                    )
                return events
            esc.round, esc.step = esc.round + 1, 0
        step = steps[esc.step]
        what = {
            "page": page.pk,
            "policy": snap["name"],
            "step": esc.step + 1,
            "round": esc.round + 1,
            "target": step["label"],
        }
        if not _gate_open(step, snap["timezone"], at):
            events.append(
                page_event(
                    ticket.pk, at, action="step_skipped", outcome="outside the step's hours", **what
                )
            )
            esc.step, skipped = esc.step + 1, skipped + 1
            continue
        if step["kind"] == "channel":
            targets = _channel_targets(step)
            _send(page, ticket, targets, f"r{esc.round}s{esc.step}", at)
            reached = [r.label for r in targets]
        else:
            reached = _notify_users(esc, page, ticket, _step_users(step, at), at)
        if not reached:
            esc.nobody = True
            events.append(
                page_event(ticket.pk, at, action="step_skipped", outcome="nobody on call", **what)
            )
            esc.step, skipped = esc.step + 1, skipped + 1
            continue
        events.append(page_event(ticket.pk, at, action="step", to=reached, **what))
        esc.step += 1
        esc.agenda.append({"at": (at + timedelta(minutes=step["wait"])).isoformat(), "do": "step"})
        return events


def _arm(
    timer: Timer | None,
    page: Page,
    ticket: Ticket,
    esc: PageEscalation,
    at: datetime,
    late: bool = False,
) -> None:
    due = min((datetime.fromisoformat(a["at"]) for a in esc.agenda), default=None)
    if timer is None:
        if due is not None:
            insert_new(
                [
                    Timer(
                        ticket=ticket,
                        page=page,
                        kind=STEP_TIMER,
                        fire_at=due,
                        generation=page.generation,
                        created_at=at,
                        updated_at=at,
                    )
                ]
            )
        return
    state = TimerState.PENDING if due is not None else TimerState.FIRED
    Timer.objects.filter(pk=timer.pk).update(
        state=state,
        fire_at=due or timer.fire_at,
        generation=page.generation,
        fired_at=at,
        late=late,
        updated_at=at,
    )


def take_page(page: Page, ticket: Ticket, now: datetime, actor: Any) -> dict[str, Any] | None:
    """Run ``page`` through the escalation policy its ticket's policy names (see module)."""
    paging = paging_event(page, ticket)
    name = policy_of(ticket).oncall.for_event(paging)
    policy = EscalationPolicy.objects.filter(name=name).first() if name else None
    if policy is None:
        return None
    esc = PageEscalation(
        page=page, policy=policy, event=paging, snapshot=snapshot(policy), agenda=[], created_at=now
    )
    events = _climb(esc, page, ticket, now)
    esc.save()
    _arm(None, page, ticket, esc, now)
    write_events(events)
    reached = [e.data.get("to") for e in events if e.data.get("action") in ("step", "fallback")]
    return {
        "policy": policy.name,
        "event": paging,
        "to": reached[0] if reached else [],
        "outcome": "queued" if any(reached) else "nobody on call",
    }


def fire_step(timer: Timer, ticket: Ticket, moment: datetime, late: bool) -> bool:
    """The page's step timer is due: send what the agenda owes, climb, re-arm."""
    page = Page.objects.select_for_update().filter(pk=timer.page_id).first()
    if page is None or page.state != PageState.TRIGGERED or page.generation != timer.generation:
        Timer.objects.filter(pk=timer.pk).update(state=TimerState.CANCELLED, updated_at=moment)
        return True
    esc = PageEscalation.objects.select_for_update().get(page=page)
    due = [a for a in esc.agenda if datetime.fromisoformat(a["at"]) <= moment]
    esc.agenda = [a for a in esc.agenda if a not in due]
    events: list[Any] = []
    rules = {
        r.pk: r
        for r in NotificationRule.objects.filter(
            pk__in=[a["rule"] for a in due if a["do"] == "notify"]
        ).select_related("user")
    }
    for entry in due:
        rule = rules.get(entry.get("rule"))
        if entry["do"] == "notify" and rule is not None:
            _send(
                page,
                ticket,
                [_rule_recipient(rule, rule.user)],
                f"r{entry['round']}s{entry['step']}rule{rule.pk}",
                moment,
            )
            events.append(
                page_event(
                    ticket.pk,
                    moment,
                    action="notified",
                    page=page.pk,
                    to=[_rule_recipient(rule, rule.user).label],
                    rule=rule.pk,
                    after=rule.delay_minutes,
                )
            )
    if any(a["do"] == "step" for a in due):
        events += _climb(esc, page, ticket, moment)
    page.generation += 1
    page.save(update_fields=["generation"])
    esc.save()
    _arm(timer, page, ticket, esc, moment, late)
    write_events(events)
    return True
