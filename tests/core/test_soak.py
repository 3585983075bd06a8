"""Soak: 3 web + 3 worker processes on a private PostgreSQL under steady load, with faults.

Given a private PostgreSQL cluster (`support.soak.PrivateCluster`; never the shared
server), 3 gunicorn web servers, 3 ``sladesk worker`` processes and the SMTP intake, and
steady load for ``SLADESK_SOAK_SECONDS`` (default 120): API ticket creates spread over the
web servers, inbound mail over SMTP, and SLA breach timers re-targeted to fire 2.5 s ahead,
each delivered to a loopback webhook receiver that takes 0.5 s to answer. A third of the way
in one worker and one web server are killed with SIGKILL and started again; then PostgreSQL
is restarted once.

Then nothing acknowledged is lost (every 2xx create is a ticket, every mail answered 250 is
a ticket message, every scheduled breach reached the receiver), each breach reaching the
receiver more than once carries one idempotency key, and timers stay on time: p99 of
fire_at -> arrival < 2 s for timers due outside the fault window. The figures are printed
(``-s`` shows them). ``make test-postgres`` runs it alone after the rest of the PostgreSQL
pass (marker ``soak``), so its timings are not shared with a parallel test stream.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import smtplib
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import psycopg
import pytest

from support.mail import DOMAIN, build_mail, wait_for
from support.receivers import SmtpCapture
from support.soak import Desk, PrivateCluster, TimedReceiver, free_port

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.soak]

SECONDS = float(os.environ.get("SLADESK_SOAK_SECONDS", "120"))
LEAD = 2.5  # a breach timer is re-targeted this far ahead of now

SETUP = f"""
import json
from datetime import timedelta
from django.contrib.auth.models import User
from rest_framework.authtoken.models import Token
from sladesk.accounts.models import AgentProfile, Contact, Organization, Team
from sladesk.intake.models import InboundAddress
from sladesk.core.database import db_now
from sladesk.notify.models import Timer
from sladesk.tickets import services
from sladesk.tickets.models import SlaClock
org = Organization.objects.create(
    name="Acme", slug="acme", policy_name="particle-enterprise", region="na"
)
jane = Contact.objects.create(organization=org, email="jane@acme.example", name="Jane")
InboundAddress.objects.create(address="acme@{DOMAIN}", organization=org)
team = Team.objects.create(name="Ops", slug="ops", webhook_url=WEBHOOK, webhook_secret="s" * 32)
user = User.objects.create_user("soak", "soak@desk.example", "pw", is_staff=True)
AgentProfile.objects.create(user=user)
token = Token.objects.create(user=user).key
timers = []
for i in range(TIMERS):
    t = services.open_ticket(
        organization=org, requester=jane, subject=f"timer {{i}}", description="d",
        priority="P3", team=team,
    )
    timers.append([t.pk, SlaClock.objects.get(ticket=t, metric="first_response").pk])
Timer.objects.filter(state="pending").update(fire_at=db_now() + timedelta(days=30))
print(json.dumps({{"org": org.pk, "token": token, "timers": timers}}))
"""


class Load:
    """The three load generators and what each had acknowledged."""

    def __init__(self, desk: Desk, web_ports: list[int], world: dict, db_url: str) -> None:
        self.desk, self.web_ports, self.world, self.db_url = desk, web_ports, world, db_url
        self.stop = threading.Event()
        self.created: dict[int, str] = {}  # ticket id -> subject, for every 2xx
        self.api_tries = self.api_errors = 0
        self.accepted: list[str] = []  # Message-IDs answered 250
        self.mail_tries = 0
        self.scheduled: dict[int, float] = {}  # ticket id -> fire_at (epoch seconds)

    def api(self) -> None:
        ports = itertools.cycle(self.web_ports)
        for i in itertools.count():
            if self.stop.wait(0.2):
                return
            subject = f"soak api {i}"
            body = json.dumps(
                {
                    "subject": subject,
                    "description": "steady load",
                    "priority": "P4",
                    "organization": self.world["org"],
                    "requester": "jane@acme.example",
                }
            )
            self.api_tries += 1
            try:
                conn = http.client.HTTPConnection("127.0.0.1", next(ports), timeout=15)
                conn.request(
                    "POST",
                    "/api/v1/tickets/",
                    body,
                    {
                        "Content-Type": "application/json",
                        "Authorization": f"Token {self.world['token']}",
                    },
                )
                answer = conn.getresponse()
                payload = answer.read()
                conn.close()
            except OSError:
                self.api_errors += 1
                continue
            if 200 <= answer.status < 300:
                self.created[json.loads(payload)["id"]] = subject
            else:
                self.api_errors += 1

    def mail(self) -> None:
        for i in itertools.count():
            if self.stop.wait(0.5):
                return
            mid = f"<soak-{i}@acme.example>"
            self.mail_tries += 1
            try:
                with smtplib.SMTP("127.0.0.1", self.desk.smtp_port, timeout=15) as client:
                    client.sendmail(
                        "jane@acme.example",
                        [f"acme@{DOMAIN}"],
                        build_mail(subject=f"soak mail {i}", message_id=mid),
                    )
                self.accepted.append(mid)
            except (OSError, smtplib.SMTPException):
                pass

    def timers(self) -> None:
        pending = list(self.world["timers"])
        while pending and not self.stop.wait(0.5):
            ticket_id, clock_id = pending[0]
            at = time.time() + LEAD
            try:
                with psycopg.connect(self.db_url, connect_timeout=3) as conn:
                    conn.execute(
                        "UPDATE tickets_slaclock SET due_at = to_timestamp(%s) WHERE id = %s",
                        (at, clock_id),
                    )
                    conn.execute(
                        "UPDATE notify_timer SET fire_at = to_timestamp(%s) WHERE clock_id = %s "
                        "AND kind = 'breach' AND state = 'pending'",
                        (at, clock_id),
                    )
            except psycopg.Error:
                continue  # the database is restarting: schedule it on the next tick
            self.scheduled[ticket_id] = at
            pending.pop(0)


def _query(url: str, sql: str, args: tuple = ()) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, args).fetchall()


def test_soak_three_web_three_workers_with_kills_and_a_database_restart(tmp_path: Path):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the soak test runs in the PostgreSQL pass")
    # given a private PostgreSQL cluster, a webhook receiver and an SMTP sink on loopback
    cluster = PrivateCluster().start()
    try:
        load, faults, breaches = _run(cluster, tmp_path)
        stored = dict(
            _query(
                cluster.url,
                "SELECT id, subject FROM tickets_ticket WHERE id = ANY(%s)",
                (list(load.created),),
            )
        )
        mailed = {
            row[0]
            for row in _query(
                cluster.url,
                "SELECT message_id FROM intake_inboundmessage WHERE ticket_message_id IS NOT NULL",
            )
        }
    finally:
        cluster.stop()
    lost_api = [i for i, subject in load.created.items() if stored.get(i) != subject]
    lost_mail = [
        mid for mid in load.accepted if mid not in mailed and mid.strip("<>") not in mailed
    ]
    got = breaches
    lost_timers = sorted(set(load.scheduled) - set(got))
    keys = {t: {a.headers.get("idempotency-key") for a in got[t]} for t in load.scheduled}
    deliveries = Counter({t: len(got[t]) for t in load.scheduled})
    window = (faults[0][1] - 1.0, faults[-1][2] + 10.0)
    delays = [
        min(a.at for a in got[t]) - at
        for t, at in load.scheduled.items()
        if not window[0] <= at <= window[1] and got[t]
    ]
    p99 = float(np.percentile(delays, 99)) if delays else float("nan")
    print(
        f"\nSOAK {SECONDS:.0f} s: 3 web (gunicorn) + 3 workers + SMTP intake "
        "on a private PostgreSQL\n"
        f"  API creates: {load.api_tries} sent, {len(load.created)} acknowledged (2xx), "
        f"{load.api_errors} refused or failed, lost {len(lost_api)}\n"
        f"  mails: {load.mail_tries} sent, {len(load.accepted)} accepted (250), "
        f"lost {len(lost_mail)}\n"
        f"  timers: {len(load.scheduled)} breaches scheduled, "
        f"{sum(deliveries.values())} deliveries, lost {len(lost_timers)}; "
        f"delivered twice or more: {sum(1 for n in deliveries.values() if n > 1)}, "
        f"with more than one idempotency key: {sum(1 for k in keys.values() if len(k) > 1)}\n"
        f"  faults: "
        + "; ".join(
            f"{name} at +{b - faults[0][1] + SECONDS / 3:.0f} s ({e - b:.1f} s)"
            for name, b, e in faults
        )
        + "\n"
        f"  fire_at -> received outside the fault window ({len(delays)} timers): p50 "
        f"{np.percentile(delays, 50):.3f} s, p99 {p99:.3f} s, max {max(delays):.3f} s"
    )
    assert lost_api == [] and lost_mail == [] and lost_timers == []
    assert all(len(k) == 1 for k in keys.values()), {t: k for t, k in keys.items() if len(k) > 1}
    assert (
        len(load.created) > SECONDS
        and len(load.accepted) > SECONDS / 2
        and len(delays) > SECONDS / 2
    )
    assert p99 < 2.0


def _breaches(receiver: TimedReceiver) -> dict[int, list]:
    """Ticket id -> the breach notifications that reached the receiver for it."""
    by_ticket = defaultdict(list)
    for arrival in list(receiver.arrivals):
        ref = (arrival.body.get("ticket") or {}).get("ref", "")
        if "breach" in arrival.body.get("summary", "") and ref.startswith("#"):
            by_ticket[int(ref[1:])].append(arrival)
    return by_ticket


def _run(
    cluster: PrivateCluster, tmp_path: Path
) -> tuple[Load, list[tuple[str, float, float]], dict]:
    """Start the desk on ``cluster``, load it, inject the faults, drain; what happened."""
    receiver, sink = TimedReceiver(delay=0.5), SmtpCapture().start()
    n_timers = int(SECONDS * 2 * 0.95)
    env = {
        **os.environ,
        "DATABASE_URL": cluster.url,
        "DJANGO_SETTINGS_MODULE": "sladesk.settings",
        "SLADESK_CONN_HEALTH_CHECKS": "1",
        "SLADESK_VAR_DIR": str(tmp_path / "var"),
        "SLADESK_EMAIL_HOST": "127.0.0.1",
        "SLADESK_EMAIL_PORT": str(sink.port),
        "SLADESK_EMAIL_DOMAINS": DOMAIN,
        "SLADESK_EMAIL_RATE_LIMIT": "100000",
        "SLADESK_NOTIFY_PUBLIC_URL": "http://127.0.0.1:9",
        "SLADESK_NOTIFY_LEASE": "5",
        "SLADESK_WEB_WORKERS": "1",
    }
    desk = Desk(env, tmp_path / "logs")
    faults: list[tuple[str, float, float]] = []
    try:
        desk.manage("migrate", "--verbosity", "0")
        setup = SETUP.replace("WEBHOOK", repr(receiver.url("/hook"))).replace(
            "TIMERS", str(n_timers)
        )
        world = json.loads(desk.manage("shell", "-c", setup).strip().splitlines()[-1])
        # and 3 web servers, 3 workers and the SMTP intake running
        web_ports = [free_port() for _ in range(3)]
        for port in web_ports:
            desk.start_web(port)
        for index in range(3):
            desk.start_worker(index)
        desk.start_smtp()
        wait_for(lambda: all(_up(port) for port in web_ports), 60, "the web servers")
        wait_for(lambda: _smtp_up(desk.smtp_port), 60, "the SMTP intake")
        load = Load(desk, web_ports, world, cluster.url)
        threads = [threading.Thread(target=f) for f in (load.api, load.mail, load.timers)]
        for thread in threads:
            thread.start()
        # when, a third of the way in, a worker and a web server are killed and restarted,
        time.sleep(SECONDS / 3)
        began = time.time()
        desk.kill_9(desk.workers[0])
        desk.start_worker(0)
        desk.kill_9(desk.web[web_ports[0]])
        desk.start_web(web_ports[0])
        wait_for(lambda: _up(web_ports[0]), 60, "the restarted web server")
        faults.append(("kill -9 worker + web", began, time.time()))
        time.sleep(SECONDS / 6)
        # and PostgreSQL is restarted once
        began = time.time()
        cluster.restart()
        faults.append(("PostgreSQL restart", began, time.time()))
        time.sleep(max(0.0, SECONDS / 2 - (time.time() - began)))
        load.stop.set()
        for thread in threads:
            thread.join(timeout=60)
        # then every scheduled breach arrives and every accepted mail is processed
        wait_for(
            lambda: set(load.scheduled) <= set(_breaches(receiver)), 90, "every scheduled breach"
        )
        wait_for(
            lambda: (
                not _query(
                    cluster.url, "SELECT 1 FROM intake_inboundmessage WHERE state = 'received'"
                )
            ),
            90,
            "every accepted mail processed",
        )
        return load, faults, _breaches(receiver)
    finally:
        desk.stop()
        receiver.stop()
        sink.stop()


def _up(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/accounts/login/")
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def _smtp_up(port: int) -> bool:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=2) as client:
            return client.noop()[0] == 250
    except OSError:
        return False
