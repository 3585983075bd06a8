"""Outbox rows to a team's Apprise URL name it by a digest of the URL, not its position.

``team:<id>/<n>`` (the n-th URL of the team's list) becomes ``team:<id>/u<sha256[:16]>``
of that URL as the list reads now, so that editing the list later (reordering, removing
a line) cannot send a queued or requeued row to another URL. Rows whose position is past
the list's end are left as they are (their URL is gone). The digest is computed here, as
`sladesk.notify.recipients.apprise_ref` does, so the migration does not depend on app code.
"""

from __future__ import annotations

import hashlib
import re

from django.db import migrations

_LEGACY = re.compile(r"^team:(\d+)/(\d+)$")
_HASHED = re.compile(r"^team:(\d+)/(u[0-9a-f]{16})$")


def _ref(url: str) -> str:
    return "u" + hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:16]


def _urls(team) -> list[str]:
    return [u.strip() for u in (team.apprise_urls or "").splitlines() if u.strip()]


def _rewrite(apps, pattern, new_ref) -> None:
    OutboxMessage = apps.get_model("notify", "OutboxMessage")
    Team = apps.get_model("accounts", "Team")
    rows = [
        (row, match)
        for row in OutboxMessage.objects.filter(
            channel="apprise", destination__startswith="team:"
        ).only("destination")
        if (match := pattern.match(row.destination))
    ]
    teams = {t.pk: _urls(t) for t in Team.objects.filter(pk__in={int(m.group(1)) for _, m in rows})}
    changed = []
    for row, match in rows:
        ref = new_ref(teams.get(int(match.group(1)), []), match.group(2))
        if ref is not None:
            row.destination = f"team:{match.group(1)}/{ref}"
            changed.append(row)
    OutboxMessage.objects.bulk_update(changed, ["destination"], batch_size=500)


def _forward(apps, schema_editor) -> None:
    def by_position(urls: list[str], index: str) -> str | None:
        return _ref(urls[int(index)]) if int(index) < len(urls) else None

    _rewrite(apps, _LEGACY, by_position)


def _backward(apps, schema_editor) -> None:
    def by_digest(urls: list[str], ref: str) -> str | None:
        return next((str(n) for n, u in enumerate(urls) if _ref(u) == ref), None)

    _rewrite(apps, _HASHED, by_digest)


class Migration(migrations.Migration):
    dependencies = [
        ("notify", "0004_fixes_escalation_timer"),
        ("accounts", "0002_actions_team_targets"),
    ]

    operations = [migrations.RunPython(_forward, _backward, elidable=False)]
