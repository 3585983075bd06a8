"""Email ingest throughput: generated messages through the real SMTP server into the database.

    .venv/bin/python benchmarks/email_ingest.py                  # SQLite file, then PostgreSQL
    .venv/bin/python benchmarks/email_ingest.py --messages 5000 --database-url sqlite:////tmp/x.sqlite3

Each run migrates a fresh database, routes one customer alias, starts sladesk's SMTP server
with its processing loop in-process (as `sladesk run` does) and sends N messages over 4
persistent SMTP connections: two thirds new tickets, one third replies threading by
In-Reply-To to an earlier message, every tenth with a 20 KB attachment. The clock runs from
the first send until no message is left unprocessed; messages/s = N / that time (stored,
parsed, routed, ticket or reply written, acknowledgement queued).

Then the same corpus (as .eml files) goes through django-helpdesk's ``get_email`` management
command with a queue whose mailbox is a local directory (``email_box_type="local"``), in
its own process with minimal Django settings and SQLite (WAL, synchronous=NORMAL like
sladesk's) in a temp dir; the ratio sladesk / django-helpdesk is printed per database.
django-helpdesk is in the ``bench`` extra and never imported by sladesk. ``--no-peer``
skips it. Also printed: the server process's CPU per message (noise-resistant on a busy
machine; the senders run in another process) and how busy the whole machine was meanwhile
(all cores, every process: with other work on the machine the rates drop, CPU less so).

Authentication is on (``--no-auth`` turns it off for an A/B): the server process runs a
DNS server on loopback (dnslib, tests/support/dns_zone.py) serving acme.example's SPF
(``ip4:127.0.0.1``), DKIM key and DMARC ``p=reject``, ``SLADESK_DNS_RESOLVER`` points at
it, and the sender process DKIM-signs every mail. Before the run the server process also
prints the CPU per message of ``authenticate`` alone over signed mails with the resolver's
cache warm (SPF + DKIM + DMARC, the verdict ``pass``): the cost verification adds.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import smtplib
import socket
import subprocess
import sys
import tempfile
import threading
import time

DOMAIN = "support.example.com"
SENDER_DOMAIN = "acme.example"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PG_URL = "postgres://postgres@127.0.0.1:5432/sladesk_bench_email"


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot (/proc/stat; (0, 0) elsewhere)."""
    try:
        with open("/proc/stat") as f:
            values = [int(v) for v in f.readline().split()[1:]]
    except OSError:
        return 0, 0
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return sum(values) - idle, sum(values)


def _busy(since: tuple[int, int]) -> str:
    """Machine busy % (all cores, every process: ours, the sender, the database, others)."""
    busy, total = _cpu_ticks()
    return f"{(busy - since[0]) / max(total - since[1], 1) * 100:.0f}%"


def _mail(i: int, with_file: bool) -> bytes:
    from email.message import EmailMessage
    from email.policy import SMTP

    msg = EmailMessage()
    msg["From"] = "jane@acme.example"
    msg["To"] = f"acme@{DOMAIN}"
    msg["Message-ID"] = f"<bench-{i}@acme.example>"
    if i % 3 == 2:
        msg["Subject"] = f"Re: message {i - 2}"
        msg["In-Reply-To"] = f"<bench-{i - 2}@acme.example>"
        msg.set_content(f"Still broken ({i}).\n\nOn Monday Jane wrote:\n> message {i - 2}\n")
    else:
        msg["Subject"] = f"[P{1 + i % 4}] message {i}"
        msg.set_content(f"Our devices are offline ({i}).\n")
    if with_file:
        msg.add_attachment(
            b"x" * 20_000, maintype="application", subtype="octet-stream", filename="log.bin"
        )
    return msg.as_bytes(policy=SMTP)


def _signer(key_path: str):  # type: ignore[no-untyped-def]
    """DKIM-sign a mail as acme.example with the key in ``key_path`` (identity if blank)."""
    if not key_path:
        return lambda raw: raw
    import dkim

    with open(key_path, "rb") as f:
        pem = f.read()
    headers = [b"from", b"to", b"subject", b"date", b"message-id"]
    return lambda raw: (
        dkim.sign(raw, b"s1", SENDER_DOMAIN.encode(), pem, include_headers=headers) + raw
    )


def send_all(port: int, messages: int, key_path: str = "") -> None:
    """Build the corpus, then send it over 4 persistent SMTP connections (a child process)."""
    sign = _signer(key_path)
    mails = [sign(_mail(i, i % 10 == 0)) for i in range(messages)]

    def send(indexes: list[int]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=120) as client:
            for i in indexes:
                client.sendmail("jane@acme.example", [f"acme@{DOMAIN}"], mails[i])

    # replies must follow their originals: interleave by blocks of 3 per connection
    blocks = [range(b, min(b + 3, messages)) for b in range(0, messages, 3)]
    lanes = [[i for block in blocks[k::4] for i in block] for k in range(4)]
    print("ready", flush=True)
    threads = [threading.Thread(target=send, args=(lane,)) for lane in lanes]
    print("go", flush=True)
    cpu_started = time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(f"sender-cpu {time.process_time() - cpu_started:.6f}", flush=True)


def _local_dns(key_path: str):  # type: ignore[no-untyped-def]
    """The loopback DNS server of the authentication run, with acme.example's records; the
    DKIM private key is written to ``key_path`` for the sender process."""
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from support.dns_zone import DnsZone, make_dkim_key

    zone = DnsZone().start()
    key = make_dkim_key(SENDER_DOMAIN)
    key.publish(zone)
    zone.txt(SENDER_DOMAIN, "v=spf1 ip4:127.0.0.1 -all")
    zone.txt(f"_dmarc.{SENDER_DOMAIN}", "v=DMARC1; p=reject")
    with open(key_path, "wb") as f:
        f.write(key.private_pem)
    os.environ["SLADESK_DNS_RESOLVER"] = zone.address
    return zone


def auth_cpu(key_path: str, n: int = 500) -> float:
    """CPU ms per message of `authenticate` alone (SPF + DKIM + DMARC) over ``n`` signed mails
    of the benchmark's corpus, the resolver's cache warm; best of 3 passes."""
    from sladesk.intake.email.authenticate import authenticate
    from sladesk.intake.email.dnscache import CachingResolver

    sign = _signer(key_path)
    mails = [sign(_mail(i, i % 10 == 0)) for i in range(n)]
    resolver = CachingResolver(os.environ["SLADESK_DNS_RESOLVER"])
    kwargs = {
        "from_domain": SENDER_DOMAIN,
        "mail_from": f"jane@{SENDER_DOMAIN}",
        "peer_ip": "127.0.0.1",
        "helo": "localhost",
        "resolver": resolver,
    }
    assert authenticate(mails[0], **kwargs).verdict == "pass"  # warms the cache
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for raw in mails:
            authenticate(raw, **kwargs)
        best = min(best, time.process_time() - started)
    return best / n * 1000


def run_one(messages: int) -> None:
    """In a process whose DATABASE_URL is the target: migrate, route, send, measure."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sladesk.settings")
    os.environ["SLADESK_EMAIL_RATE_LIMIT"] = "1000000"
    os.environ["SLADESK_EMAIL_VERIFIED_RATE_LIMIT"] = "1000000"
    auth = os.environ.get("SLADESK_EMAIL_AUTHENTICATE", "1") != "0"
    key_path = (
        os.path.join(os.environ.get("SLADESK_VAR_DIR", tempfile.gettempdir()), "bench-dkim.pem")
        if auth
        else ""
    )
    zone = _local_dns(key_path) if auth else None
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from sladesk.accounts.models import Contact, Organization
    from sladesk.intake.models import InboundAddress, InboundMessage
    from sladesk.intake.worker import IntakeWorker

    if auth:
        print(
            "authentication (SPF + DKIM rsa-sha256 2048 + DMARC, local DNS cache warm): "
            f"{auth_cpu(key_path):.3f} ms CPU/message",
            flush=True,
        )
    org = Organization.objects.create(
        name="Acme", slug="acme", policy_name="particle-enterprise", region="na"
    )
    Contact.objects.create(organization=org, email="jane@acme.example")
    InboundAddress.objects.create(address=f"acme@{DOMAIN}", organization=org)
    settings.SLADESK_EMAIL = {
        "domains": DOMAIN,
        "rate_limit": 1_000_000,
        "verified_rate_limit": 1_000_000,
    }
    # a running desk has its URLconf loaded (the web app serves it); importing it on the first
    # page's acknowledge link cost ~0.4 s inside the measured window (py-spy, 2,000 messages)
    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018 - imports the URLconf and builds the reverse map
    worker = IntakeWorker().start(smtp_bind="127.0.0.1:0", imap=False)
    port = worker.smtp.port
    worker.smtp._thread.name = "smtp-event-loop"  # aiosmtpd's thread, named for the CPU by thread
    # the senders run in their own process, as real mail comes from elsewhere: their CPU
    # and their GIL are not the server's
    sender = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "--send",
            str(port),
            "--messages",
            str(messages),
            "--key",
            key_path,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sender.stdout is not None
    assert sender.stdout.readline().strip() == "ready"
    started, cpu_started, ticks, threads = (
        time.perf_counter(),
        time.process_time(),
        _cpu_ticks(),
        _thread_cpu(),
    )
    sender.stdout.readline()  # "go" printed when the first send starts
    sender_cpu = _sender_cpu(sender)
    if sender.returncode:
        raise SystemExit(f"sender failed ({sender.returncode})")
    sent = time.perf_counter() - started
    while InboundMessage.objects.filter(state="received").exists():
        time.sleep(0.05)
    total, cpu, busy = (
        time.perf_counter() - started,
        time.process_time() - cpu_started,
        _busy(ticks),
    )
    by_thread = _thread_cpu()
    worker.stop()
    if zone is not None:
        zone.stop()
    verdicts = dict(
        InboundMessage.objects.values_list("verdict").annotate(n=django.db.models.Count("id"))
    )
    states = dict(
        InboundMessage.objects.values_list("state").annotate(n=django.db.models.Count("id"))
    )
    vendor = django.db.connection.vendor
    print(
        f"{vendor:10} {messages} messages: accepted in {sent:.1f} s, processed in {total:.1f} s "
        f"= {messages / total:.0f} messages/s; "
        f"CPU {cpu / messages * 1000:.2f} ms/message (server process, SMTP + store + processing; "
        f"{messages / cpu:.0f}/s on one free core); sender CPU {sender_cpu / messages * 1000:.2f} "
        "ms/message; "
        f"machine busy {busy}  {states} authentication {verdicts}",
        flush=True,
    )
    shares = {}
    for name, seconds in by_thread.items():
        group = name.rstrip("_0123456789")  # the store pool's threads together
        shares[group] = shares.get(group, 0.0) + seconds - threads.get(name, 0.0)
    print(
        "  server CPU by thread, ms/message: "
        + ", ".join(
            f"{name} {seconds / messages * 1000:.2f}"
            for name, seconds in sorted(shares.items(), key=lambda kv: -kv[1])
            if seconds > 0
        ),
        flush=True,
    )


def _thread_cpu() -> dict[str, float]:
    """CPU seconds (user + system) of each live thread of this process, by thread name
    (Linux /proc; empty elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    out = {}
    for thread in threading.enumerate():
        try:
            with open(f"/proc/self/task/{thread.native_id}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[thread.name] = (int(fields[11]) + int(fields[12])) / tick
    return out


def _sender_cpu(sender: subprocess.Popen[str]) -> float:
    """Wait for the sender; its CPU seconds over the sends (its last line)."""
    assert sender.stdout is not None
    last = sender.stdout.read().strip().splitlines()
    sender.wait()
    if sender.returncode or not last or not last[-1].startswith("sender-cpu "):
        raise SystemExit(f"sender failed ({sender.returncode})")
    return float(last[-1].split()[1])


def floor_smtp(messages: int) -> None:
    """The no-op floor (a child process, no Django): a bare aiosmtpd server whose
    ``handle_DATA`` answers 250 at once, fed by the same sender over the same corpus.
    Prints the rate, the server's CPU per message and the sender's."""
    from aiosmtpd.controller import Controller

    class NoOp:
        async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
            return "250 2.0.0 OK"

    with socket.socket() as probe:  # a free port (aiosmtpd's Controller cannot start on port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(NoOp(), hostname="127.0.0.1", port=port)
    controller.start()
    sender = subprocess.Popen(
        [sys.executable, __file__, "--send", str(port), "--messages", str(messages)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert sender.stdout is not None
    assert sender.stdout.readline().strip() == "ready"
    started, cpu_started = time.perf_counter(), time.process_time()
    sender.stdout.readline()
    sender_cpu = _sender_cpu(sender)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    controller.stop()
    print(
        f"floor-smtp {messages / total:.1f} {cpu / messages * 1000:.4f} "
        f"{sender_cpu / messages * 1000:.4f}",
        flush=True,
    )


def floor_parse(messages: int) -> float:
    """CPU ms per message of the stdlib parse alone over the same corpus: the message
    object (``policy=default``), every part walked, the body text and each attachment's
    decoded content. Best of 3 passes (the corpus is built before timing)."""
    import email
    import email.policy

    mails = [_mail(i, i % 10 == 0) for i in range(messages)]
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        for raw in mails:
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            for part in msg.walk():
                part.get_content_type()
            body = msg.get_body(preferencelist=("plain", "html"))  # type: ignore[attr-defined]
            if body is not None:
                body.get_content()
            for part in msg.iter_attachments():  # type: ignore[attr-defined]
                part.get_content()
        best = min(best, time.process_time() - started)
    return best / messages * 1000


def floors(messages: int, peer_rate: float | None) -> None:
    """Measure and print the floors next to the budget 10x django-helpdesk leaves."""
    out = subprocess.run(
        [sys.executable, __file__, "--floor-smtp", "--messages", str(messages)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    rate, server_ms, sender_ms = (float(v) for v in out.strip().splitlines()[-1].split()[1:])
    parse_ms = floor_parse(messages)
    print(
        "floor: no-op aiosmtpd server (handle_DATA returns 250), same sender and corpus: "
        f"{rate:.0f} messages/s, "
        f"server CPU {server_ms:.3f} ms/message, sender CPU {sender_ms:.3f} ms/message"
    )
    print(
        f"floor: stdlib parse (message_from_bytes, policy=default, walk, body, attachments): "
        f"{parse_ms:.3f} ms/message (best of 3)"
    )
    total = server_ms + sender_ms + parse_ms
    print(
        f"floor: sum of the three = {total:.3f} ms CPU/message (no store, no database, no ticket)"
    )
    if peer_rate:
        cores = os.cpu_count() or 1
        budget = cores * 1000 / (10 * peer_rate)
        print(
            f"budget at 10x django-helpdesk ({10 * peer_rate:.0f} messages/s): {cores} cores x "
            f"{1000 / (10 * peer_rate):.3f} ms wall = {budget:.3f} ms CPU/message for everything, "
            f"sum of floors {total:.3f} ms, left {budget - total:.3f} ms"
        )


_HELPDESK_SETTINGS = """
SECRET_KEY = "bench-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
SITE_ID = 1
HELPDESK_TEAMS_MODE_ENABLED = False  # no pinax-teams: the email path does not use teams
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.sites",
    "django.contrib.humanize", "rest_framework", "helpdesk",
]
MIDDLEWARE = []
ROOT_URLCONF = "helpdesk_bench_urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.template.context_processors.request"]}}]
# the same SQLite durability as sladesk's (WAL, synchronous=NORMAL)
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DB_PATH,
                         "OPTIONS": {"init_command":
                                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = MEDIA_PATH
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
"""


def run_helpdesk(messages: int, tmp: str) -> float:
    """django-helpdesk's ``get_email`` over the same corpus in a local directory mailbox
    (its own process and Django settings, SQLite in ``tmp``); returns messages/s."""
    box = os.path.join(tmp, "helpdesk-mailbox")
    os.makedirs(box, exist_ok=True)
    for i in range(messages):
        with open(os.path.join(box, f"{i:06d}.eml"), "wb") as f:
            f.write(_mail(i, i % 10 == 0))
    with open(os.path.join(tmp, "helpdesk_bench_settings.py"), "w") as f:
        paths = (
            f"DB_PATH = {os.path.join(tmp, 'helpdesk.sqlite3')!r}\n"
            f"MEDIA_PATH = {os.path.join(tmp, 'media')!r}\n"
        )
        f.write(paths + _HELPDESK_SETTINGS)
    with open(os.path.join(tmp, "helpdesk_bench_urls.py"), "w") as f:
        f.write(
            "from django.urls import include, path\n"
            'urlpatterns = [path("", include("helpdesk.urls"))]\n'
        )
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "SLADESK_"))
    }
    env.update(DJANGO_SETTINGS_MODULE="helpdesk_bench_settings", PYTHONPATH=tmp)
    out = subprocess.run(
        [sys.executable, __file__, "--helpdesk-child", box, "--messages", str(messages)],
        env=env,
        cwd=tmp,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise SystemExit(f"django-helpdesk run failed:\n{out.stderr[-3000:]}")
    line = out.stdout.strip().splitlines()[-1]
    print(line, flush=True)
    return float(line.split("= ")[1].split(" ")[0])


def helpdesk_child(box: str, messages: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from helpdesk.models import FollowUp, Queue, Ticket  # type: ignore[import-untyped]

    Queue.objects.create(
        title="Acme",
        slug="acme",
        email_address=f"acme@{DOMAIN}",
        allow_email_submission=True,
        email_box_type="local",
        email_box_local_dir=box,
        email_box_interval=0,
    )
    started, cpu_started, ticks = time.perf_counter(), time.process_time(), _cpu_ticks()
    call_command("get_email", quiet=True)
    total, cpu, busy = (
        time.perf_counter() - started,
        time.process_time() - cpu_started,
        _busy(ticks),
    )
    left = len(os.listdir(box))
    print(
        f"{'helpdesk':10} {messages} messages: get_email in {total:.1f} s = "
        f"{messages / total:.1f} messages/s; "
        f"CPU {cpu / messages * 1000:.2f} ms/message; machine busy {busy}  "
        f"{{'tickets': {Ticket.objects.count()}, "
        f"'follow-ups': {FollowUp.objects.count()}, 'left in mailbox': {left}}}",
        flush=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument(
        "--database-url", default=None, help="one database (default: SQLite file and PostgreSQL)"
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--send", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--helpdesk-child", default="", help=argparse.SUPPRESS)
    parser.add_argument("--floor-smtp", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--no-floors", action="store_true", help="skip the no-op SMTP and parse floors"
    )
    parser.add_argument("--no-peer", action="store_true", help="skip django-helpdesk")
    parser.add_argument("--no-auth", action="store_true", help="mail authentication off (A/B)")
    parser.add_argument("--key", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.helpdesk_child:
        helpdesk_child(args.helpdesk_child, args.messages)
        return 0
    if args.send:
        send_all(args.send, args.messages, args.key)
        return 0
    if args.child:
        run_one(args.messages)
        return 0
    if args.floor_smtp:
        floor_smtp(args.messages)
        return 0
    rates: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        urls = (
            [args.database_url] if args.database_url else [f"sqlite:///{tmp}/bench.sqlite3", PG_URL]
        )
        for url in urls:
            admin = url.rsplit("/", 1)[0] + "/postgres"
            name = url.rsplit("/", 1)[1]
            if url.startswith("postgres"):
                _psql(admin, f"DROP DATABASE IF EXISTS {name}")
                _psql(admin, f"CREATE DATABASE {name}")
            elif url.startswith(
                "sqlite:///"
            ):  # a fresh file (a given path may hold a run's leftovers)
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(FileNotFoundError):
                        os.remove(url[len("sqlite://") :] + suffix)
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "SLADESK_VAR_DIR": tmp,
                "SLADESK_LOG_LEVEL": "WARNING",
                "SLADESK_EMAIL_AUTHENTICATE": "0" if args.no_auth else "1",
            }
            out = subprocess.run(
                [sys.executable, __file__, "--child", "--messages", str(args.messages)],
                env=env,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            ).stdout
            print(out.strip(), flush=True)
            line = next(text for text in out.splitlines() if " messages: " in text)
            rates[line.split()[0]] = float(line.split("= ")[1].split(" ")[0])
            if url.startswith("postgres"):
                _psql(admin, f"DROP DATABASE IF EXISTS {name}")
        peer = None
        if not args.no_peer:
            peer = run_helpdesk(args.messages, tmp)
            for vendor, rate in rates.items():
                print(
                    f"ratio {vendor} / django-helpdesk get_email: {rate / peer:.1f}x (target >= "
                    "10x)"
                )
        if not args.no_floors:
            floors(args.messages, peer)
    return 0


def _psql(url: str, sql: str) -> None:
    subprocess.run(["psql", url, "-qc", sql], check=False, capture_output=True)


if __name__ == "__main__":
    sys.exit(main())
