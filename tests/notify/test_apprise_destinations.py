"""A team's Apprise URLs are addressed by a digest of the URL in the outbox, not by their
position: editing the team's list (reorder, remove) while a notification is queued never
sends it to another URL; rows queued before the change are rewritten by the migration and
still delivered."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from django.apps import apps

from sladesk.accounts.models import Team
from sladesk.notify.models import OutboxMessage, Timer
from sladesk.notify.recipients import apprise_ref, channel_config
from sladesk.notify.timers import fire_due
from sladesk.tickets import services
from support.timers import drain

pytestmark = pytest.mark.django_db

pytest.importorskip("apprise")

migration = importlib.import_module("sladesk.notify.migrations.0005_fixes_apprise_destinations")


def _json_url(receiver, path: str) -> str:
    host, port = receiver.url("/").split("//")[1].split("/")[0].split(":")
    return f"json://{host}:{port}/{path}"


@pytest.fixture
def two_urls(desk, http_receiver):
    """A team with two Apprise URLs (two loopback receivers) and a ticket of it whose
    first-response warning is queued, not yet delivered."""
    first, second = http_receiver(), http_receiver()
    urls = [_json_url(first, "first/TOKEN1"), _json_url(second, "second/TOKEN2")]
    team = Team.objects.create(name="Cloud", slug="cloud", apprise_urls="\n".join(urls))
    org = desk.make_org("particle-enterprise", region="na")
    ticket = services.open_ticket(
        organization=org,
        requester=desk.make_contact(org),
        subject="s",
        description="d",
        priority="P3",
    )
    services.assign(ticket, team=team, actor=desk.agent)
    warning = Timer.objects.get(
        clock__ticket=ticket, clock__metric="first_response", kind="warning"
    )
    at = warning.fire_at + timedelta(seconds=1)
    fire_due(now=at)  # the warning's rows are queued; `drain` would deliver them too
    return team, urls, (first, second), at


def test_a_queued_row_names_its_url_by_digest(two_urls):
    team, urls, _, _ = two_urls
    rows = OutboxMessage.objects.filter(channel="apprise").order_by("id")
    assert [r.destination for r in rows] == [f"team:{team.pk}/{apprise_ref(u)}" for u in urls]
    assert all("TOKEN" not in r.destination for r in rows)


def test_reordering_and_removing_urls_does_not_misroute_queued_rows(two_urls):
    # given both rows queued, then the team's list edited: the first URL removed, a new one
    # put in its place (position 0)
    team, urls, (first, second), at = two_urls
    team.apprise_urls = "json://127.0.0.1:9/replacement/TOKEN3\n" + urls[1]
    team.save()
    # when the outbox delivers
    drain(at + timedelta(seconds=1))
    # then the second URL got exactly its own row, nobody got the removed URL's, and the
    # replacement (now first in the list) got nothing
    assert len(second.requests) == 1 and len(first.requests) == 0
    rows = {r.destination: r for r in OutboxMessage.objects.filter(channel="apprise")}
    assert rows[f"team:{team.pk}/{apprise_ref(urls[1])}"].state == "delivered"
    assert rows[f"team:{team.pk}/{apprise_ref(urls[0])}"].state == "dead"


def test_rows_queued_by_position_are_rewritten_by_the_migration_and_delivered(two_urls):
    # given the rows as an older version queued them: team:<id>/<n>
    team, urls, (first, second), at = two_urls
    for n, url in enumerate(urls):
        OutboxMessage.objects.filter(destination=f"team:{team.pk}/{apprise_ref(url)}").update(
            destination=f"team:{team.pk}/{n}"
        )
    # when the migration runs, and then the list is reordered
    migration._forward(apps, None)
    team.apprise_urls = "\n".join(reversed(urls))
    team.save()
    # then each row names its URL by digest and is delivered to that URL
    for url in urls:
        row = OutboxMessage.objects.get(destination=f"team:{team.pk}/{apprise_ref(url)}")
        assert channel_config("apprise", row.destination).url == url
    drain(at + timedelta(seconds=1))
    assert (len(first.requests), len(second.requests)) == (1, 1)
    assert "first/TOKEN1" in first.requests[0].path and "second/TOKEN2" in second.requests[0].path
    # and the migration reverses to positions of the list as it reads then
    migration._backward(apps, None)
    assert sorted(
        OutboxMessage.objects.filter(channel="apprise").values_list("destination", flat=True)
    ) == [f"team:{team.pk}/0", f"team:{team.pk}/1"]


def test_a_legacy_position_still_resolves_for_rows_an_older_process_queues(two_urls):
    team, urls, _, _ = two_urls
    assert channel_config("apprise", f"team:{team.pk}/1").url == urls[1]
    assert channel_config("apprise", f"team:{team.pk}/7") is None
