"""Policy-driven actions at warnings and breaches, per seed, through the real timer worker:
escalation ladder steps, tags, raised priorities that move timers, per-team targets; each
action once per timer generation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from sladesk.accounts.models import AccountTeamMember, Team
from sladesk.core import policies
from sladesk.notify import moments as notify_actions
from sladesk.notify.models import OutboxMessage, Page, Timer, TimerState
from sladesk.tickets import services
from sladesk.tickets.models import SlaClock, Ticket
from support.clock import T
from support.timers import drain

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy_with(settings, tmp_path: Path) -> Iterator[Callable[..., None]]:
    """Write ``<name>.yaml`` (the seed text plus ``extra`` YAML, ``after`` a line of it when
    given) into a policy directory of this test's own and load it; the seeds come back after
    the test."""
    original = settings.SLADESK_POLICY_DIR

    def write(name: str, extra: str, after: str | None = None) -> None:
        text = (Path(original) / f"{name}.yaml").read_text(encoding="utf-8")
        text = text.replace(after, after + extra) if after else text + "\n" + extra
        (tmp_path / f"{name}.yaml").write_text(text, encoding="utf-8")
        settings.SLADESK_POLICY_DIR = tmp_path
        policies.reload()

    yield write
    settings.SLADESK_POLICY_DIR = original
    policies.reload()


def _timer(ticket, metric, kind):
    return Timer.objects.get(clock__ticket=ticket, clock__metric=metric, kind=kind)


def _refire(timer):
    """The same timer, same generation, pending again (a retried or restored firing)."""
    Timer.objects.filter(pk=timer.pk).update(state=TimerState.PENDING, fired_at=None)


def _actions(ticket, action=None):
    events = ticket.events.filter(kind="action").order_by("id")
    return [e.data for e in events if action is None or e.data["action"] == action]


_ESCALATE_ON_BREACH = """\
actions:
  - at: breach
    metric: first_response
    do: [escalate]
    reason: the response commitment was missed (seed 003, escalation procedure)
"""


def test_houseware_seed_breach_tells_the_account_team_and_leaves_the_ladder_to_the_customer(desk):
    # given a Houseware customer (seed 003: "you may escalate") with a P3 ticket
    desk.clock.set(T("2026-11-24T09:00:00+00:00"))
    org = desk.make_org("houseware")
    csm = type(desk.agent).objects.create_user("cyd", "cyd@houseware.example", "pw")
    AccountTeamMember.objects.create(organization=org, user=csm, role="Customer Success Manager")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="Report broken",
        description="d",
        priority="P3",
        actor=desk.agent,
    )
    # when the first response is missed
    drain(_timer(ticket, "first_response", "breach").fire_at + timedelta(seconds=1))
    # then the Customer Success Manager is told and the ticket is not escalated
    ticket.refresh_from_db()
    assert ticket.escalation_level == 0 and not _actions(ticket)
    assert [tuple(m.rcpt_tos) for m in desk.smtp.messages] == [("cyd@houseware.example",)]


def test_an_escalate_row_starts_the_houseware_ladder_once(desk, policy_with):
    # given a Houseware desk that escalates a missed response itself (an actions row), whose
    # account team names a Customer Happiness Manager and a Customer Success Manager, and a
    # P3 ticket (72 hours)
    policy_with("houseware", _ESCALATE_ON_BREACH)
    desk.clock.set(T("2026-11-24T09:00:00+00:00"))
    org = desk.make_org("houseware")
    user = type(desk.agent).objects.create_user
    chm = user("hana", "hana@houseware.example", "pw")
    csm = user("cyd", "cyd@houseware.example", "pw")
    AccountTeamMember.objects.create(organization=org, user=chm, role="Customer Happiness Manager")
    AccountTeamMember.objects.create(organization=org, user=csm, role="Customer Success Manager")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="Report broken",
        description="d",
        priority="P3",
        actor=desk.agent,
    )
    breach = _timer(ticket, "first_response", "breach")
    assert breach.fire_at == T("2026-11-27T09:00:00+00:00")
    # when the first response is missed
    desk.clock.set(T("2026-11-27T09:00:01+00:00"))
    drain(desk.clock.at)
    # then the ticket is at level 1 of the ladder, logged with the seed's reason
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    assert ticket.escalation_role == "Customer Happiness Manager"
    assert "seed 003" in ticket.escalation_reason
    [escalated] = _actions(ticket)
    assert escalated["outcome"] == "escalated to level 1 (Customer Happiness Manager)"
    assert escalated["to"] == ["Customer Happiness Manager hana"]
    assert escalated["moment"] == "breach" and escalated["metric"] == "first_response"
    step = ticket.events.get(kind="escalation")  # the same service as the portal's escalation
    assert step.actor_label == "policy" and step.data["level"] == 1
    assert step.data["role"] == "Customer Happiness Manager" and "seed 003" in step.data["reason"]
    # and the Happiness Manager got the escalation mail; the CSM the breach notification
    to = sorted(tuple(m.rcpt_tos) for m in desk.smtp.messages)
    assert to == [
        ("cyd@houseware.example",),
        ("hana@houseware.example",),
        ("hana@houseware.example",),
    ]
    assert OutboxMessage.objects.get(purpose="escalation").state == "delivered"
    # when the same timer fires again (same generation), nothing escalates twice
    _refire(breach)
    drain(desk.clock.at + timedelta(seconds=5))
    ticket.refresh_from_db()
    assert ticket.escalation_level == 1
    assert len(_actions(ticket)) == 1
    assert OutboxMessage.objects.filter(purpose="escalation").count() == 1


def test_an_escalate_row_at_the_top_of_the_ladder_changes_nothing(desk, policy_with):
    # given a ticket the customer already escalated to the top (level 3)
    policy_with("houseware", _ESCALATE_ON_BREACH)
    org = desk.make_org("houseware")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="P2",
        actor=desk.agent,
    )
    Ticket.objects.filter(pk=ticket.pk).update(escalation_level=3)  # (only escalate writes it)
    # when the response breaches
    drain(_timer(ticket, "first_response", "breach").fire_at + timedelta(seconds=1))
    # then the action says so and changes nothing
    [outcome] = _actions(ticket)
    assert outcome["outcome"] == "at the top of the escalation ladder"
    assert Ticket.objects.get(pk=ticket.pk).escalation_level == 3


def test_particle_warning_adds_a_tag_and_pages(desk, policy_with):
    # given Particle Enterprise with a warning row (75 % of the target used)
    policy_with(
        "particle-enterprise",
        """\
actions:
  - at: warning
    metric: first_response
    do: [{add_tag: response-at-risk}, page]
    reason: three quarters of the response time are used
""",
    )
    desk.clock.set(T("2026-11-23T09:00:00-08:00"))  # Monday
    org = desk.make_org("particle-enterprise", region="na")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="P4",
    )
    warning = _timer(ticket, "first_response", "warning")
    assert warning.fire_at == T("2026-11-25T11:00:00-08:00")  # 18 of 24 business hours
    # when the warning fires
    drain(warning.fire_at + timedelta(seconds=1))
    # then the ticket is tagged (through the service: a fields event), on-call paged
    assert list(ticket.tags.values_list("name", flat=True)) == ["response-at-risk"]
    tagged, paged = _actions(ticket)
    assert tagged["outcome"] == "tagged response-at-risk" and tagged["moment"] == "warning"
    assert tagged["reason"] == "three quarters of the response time are used"
    fields = ticket.events.get(kind="fields")
    assert fields.data["tags"] == {"from": [], "to": ["response-at-risk"]}
    assert "three quarters" in fields.data["reason"]
    page = Page.objects.get(ticket=ticket)
    assert paged["outcome"] == "paged" and paged["page"] == page.pk
    assert "first response target at risk" in page.reason
    assert desk.pagerduty.requests[0].json()["dedup_key"] == page.key
    # and the default notification was still decided (nobody assigned yet: logged)
    assert (
        ticket.events.get(kind="notify", data__action="warning").data["outcome"]
        == "no recipient configured"
    )
    # when the warning is fired again, no second page, no second tag event
    _refire(warning)
    drain(warning.fire_at + timedelta(seconds=2))
    assert Page.objects.filter(ticket=ticket).count() == 1
    assert len(_actions(ticket)) == 2 and ticket.events.filter(kind="fields").count() == 1


def test_particle_breach_raises_priority_and_moves_the_timers_once(desk, policy_with):
    # given Particle Enterprise where a missed first response raises the priority a level
    policy_with(
        "particle-enterprise",
        """\
actions:
  - at: breach
    metric: first_response
    do: [{raise_priority: 1}]
""",
    )
    desk.clock.set(T("2026-11-23T09:00:00-08:00"))  # Monday
    org = desk.make_org("particle-enterprise", region="na")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="P4",
    )
    resolution_before = _timer(ticket, "resolution", "breach").fire_at
    breach = _timer(ticket, "first_response", "breach")
    # when the first response breaches (3 business days: Wed 17:00 Pacific)
    assert breach.fire_at == T("2026-11-25T17:00:00-08:00")
    drain(breach.fire_at + timedelta(seconds=1))
    # then the ticket is P3, logged with the reason, and the resolution timer moved to
    # P3's resolution target (5 business days instead of 7) in the same transaction
    ticket.refresh_from_db()
    assert ticket.priority == "P3"
    [raised] = _actions(ticket)
    assert raised["outcome"] == "raised P4 → P3" and raised["from"] == "P4" and raised["to"] == "P3"
    change = ticket.events.get(kind="priority")
    assert change.actor_label == "policy"
    assert change.data == {"from": "P4", "to": "P3", "reason": "first response breached"}
    resolution = SlaClock.objects.get(ticket=ticket, metric="resolution")
    expected = ticket.policy.due("P3", ticket.created_at, region="na")["resolution"]
    assert resolution.due_at == expected
    timer = _timer(ticket, "resolution", "breach")
    assert timer.fire_at == expected < resolution_before
    assert timer.generation == resolution.generation and timer.state == "pending"
    # when the breach timer is fired again (same generation), the priority is not raised twice
    _refire(breach)
    drain(breach.fire_at + timedelta(seconds=5))
    assert Ticket.objects.get(pk=ticket.pk).priority == "P3"
    assert len(_actions(ticket)) == 1 and ticket.events.filter(kind="priority").count() == 1


def test_freistilbox_dispatch_page_is_one_page_however_often_the_breach_fires(desk):
    # given a freistilbox ticket not dispatched within its office hour (seed 004)
    desk.clock.set(T("2026-11-25T10:00:00+01:00"))
    org = desk.make_org("freistilbox")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="normal",
    )
    breach = _timer(ticket, "dispatch", "breach")
    drain(T("2026-11-25T11:00:01+01:00"))
    [paged] = _actions(ticket)
    assert paged["action"] == "page" and paged["reason"] == "the target pages on breach"
    # when the breach timer fires again, no second page
    _refire(breach)
    drain(T("2026-11-25T11:00:05+01:00"))
    assert Page.objects.filter(ticket=ticket).count() == 1 and len(_actions(ticket)) == 1


def test_the_same_moment_run_twice_in_process_acts_once(desk, policy_with):
    # given Houseware rows that, at a breach, escalate, raise to at least P1 and tag
    policy_with(
        "houseware",
        _ESCALATE_ON_BREACH
        + """\
  - at: breach
    do: [{raise_priority: P1}, {add_tag: breached}]
""",
    )
    org = desk.make_org("houseware")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="P3",
        actor=desk.agent,
    )
    timer = _timer(ticket, "first_response", "breach")
    clock = SlaClock.objects.get(ticket=ticket, metric="first_response")
    # when the moment's actions run twice for the same timer generation
    for _ in range(2):
        notify_actions.clock_moment(
            Ticket.objects.get(pk=ticket.pk), clock, timer, desk.clock.at, False
        )
    # then each action ran once: P3 → P1 (at least P1), one tag, one ladder step
    ticket.refresh_from_db()
    assert ticket.priority == "P1"
    assert [a["outcome"] for a in _actions(ticket)] == [
        "escalated to level 1 (Customer Happiness Manager)",
        "raised P3 → P1",
        "tagged breached",
    ]


def test_team_targets_webhook_and_apprise_get_warnings_secrets_never_stored(
    desk, http_receiver, caplog
):
    # given a team with Slack, a signed webhook and an Apprise json:// URL (loopback)
    from sladesk.notify import verify_signature

    hook = http_receiver()
    apprise_rx = http_receiver()
    host, port = apprise_rx.url("/").split("//")[1].split("/")[0].split(":")
    team = Team.objects.create(
        name="Cloud",
        slug="cloud",
        slack_webhook_url=desk.slack.url("/services/T1/B1/SECRETSLACK"),
        webhook_url=hook.url("/hooks/SECRETPATH"),
        webhook_secret="s3cret-signing-key",
        apprise_urls=f"\njson://{host}:{port}/apprise/SECRETAPPRISE\n",
    )
    org = desk.make_org("particle-enterprise", region="na")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="P3",
    )
    services.assign(ticket, team=team, actor=desk.agent)
    # when the first response warning fires
    caplog.set_level("DEBUG")
    drain(_timer(ticket, "first_response", "warning").fire_at + timedelta(seconds=1))
    # then the team is told on all three, the webhook signed with its secret
    [notified] = ticket.events.filter(kind="notify", data__action="warning", data__outcome="queued")
    assert notified.data["to"] == [
        "team cloud (slack)",
        "team cloud (webhook)",
        "team cloud (apprise 1)",
    ]
    [request] = hook.requests
    assert verify_signature(
        "s3cret-signing-key",
        request.headers["x-sladesk-timestamp"],
        request.body,
        request.headers["x-sladesk-signature"],
        tolerance=10**9,
    )
    assert request.json()["summary"].startswith(f"P3 ticket #{ticket.pk}: first response due")
    assert (
        len(apprise_rx.requests) == 1
        and "first response due" in apprise_rx.requests[0].body.decode()
    )
    assert set(OutboxMessage.objects.values_list("state", flat=True)) == {"delivered"}
    # and no secret is in the outbox, the ticket log or the log records
    stored = str(list(OutboxMessage.objects.values_list("destination", "payload", "last_error")))
    stored += str(list(ticket.events.values_list("data", flat=True))) + caplog.text
    for secret in ("SECRETSLACK", "SECRETPATH", "s3cret-signing-key", "SECRETAPPRISE"):
        assert secret not in stored


def test_the_team_admin_never_shows_secrets_and_a_blank_field_keeps_them(admin_client):
    team = Team.objects.create(
        name="Cloud",
        slug="cloud",
        pagerduty_routing_key="R0UTINGKEY-SECRET",
        webhook_url="https://hooks.example/x",
        webhook_secret="s3cret-signing-key",
        slack_webhook_url="https://hooks.slack.example/SLACKTOKEN",
        apprise_urls="tgram://APPRISETOKEN/123",
    )
    url = f"/admin/accounts/team/{team.pk}/change/"
    html = admin_client.get(url).content.decode()
    for secret in ("R0UTINGKEY-SECRET", "s3cret-signing-key", "SLACKTOKEN", "APPRISETOKEN"):
        assert secret not in html
    assert "leave blank to keep it" in html
    form = {
        "name": "Cloud team",
        "slug": "cloud",
        "description": "",
        "slack_webhook_url": "",
        "webhook_url": "https://hooks.example/x",
        "webhook_secret": "",
        "apprise_urls": "",
        "pagerduty_routing_key": "",
        "oncall_user": "",
    }
    assert admin_client.post(url, form).status_code == 302
    team.refresh_from_db()
    assert (team.name, team.pagerduty_routing_key, team.webhook_secret) == (
        "Cloud team",
        "R0UTINGKEY-SECRET",
        "s3cret-signing-key",
    )
    assert (team.slack_webhook_url, team.apprise_urls) == (
        "https://hooks.slack.example/SLACKTOKEN",
        "tgram://APPRISETOKEN/123",
    )
    admin_client.post(url, {**form, "webhook_secret": "rotated"})
    assert Team.objects.get(pk=team.pk).webhook_secret == "rotated"
    admin_client.post(url, {**form, "clear_secrets": "on"})
    team.refresh_from_db()
    assert (
        team.pagerduty_routing_key,
        team.webhook_secret,
        team.slack_webhook_url,
        team.apprise_urls,
    ) == ("", "", "", "")
