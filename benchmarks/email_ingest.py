"""Email ingest throughput: generated messages through the real SMTP server into the database.

    .venv/bin/python benchmarks/email_ingest.py                  # SQLite file, then PostgreSQL
    .venv/bin/python benchmarks/email_ingest.py --messages 5000 --database-url sqlite:////tmp/x.sqlite3

Each run migrates a fresh database, routes one customer alias, starts sladesk's SMTP server
with its processing loop in-process (as `sladesk run` does) and sends N messages over 4
persistent SMTP connections: two thirds new tickets, one third replies threading by
In-Reply-To to an earlier message, every tenth with a 20 KB attachment. The clock runs from
the first send until no message is left unprocessed; messages/s = N / that time (stored,
parsed, routed, ticket or reply written, acknowledgement queued).

The django-helpdesk comparison (``get_email`` over a local directory mailbox) is not run:
django-helpdesk is not installed in this environment.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import subprocess
import sys
import tempfile
import threading
import time

DOMAIN = "support.example.com"
PG_URL = "postgres://postgres@127.0.0.1:5432/sladesk_bench_mail"


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
        msg.add_attachment(b"x" * 20_000, maintype="application", subtype="octet-stream", filename="log.bin")
    return msg.as_bytes(policy=SMTP)


def send_all(port: int, messages: int) -> None:
    """Build the corpus, then send it over 4 persistent SMTP connections (a child process)."""
    mails = [_mail(i, i % 10 == 0) for i in range(messages)]

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
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def run_one(messages: int) -> None:
    """In a process whose DATABASE_URL is the target: migrate, route, send, measure."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sladesk.settings")
    os.environ["SLADESK_EMAIL_RATE_LIMIT"] = "1000000"
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from sladesk.accounts.models import Contact, Organization
    from sladesk.intake.models import InboundAddress, InboundMessage
    from sladesk.intake.worker import IntakeWorker

    org = Organization.objects.create(name="Acme", slug="acme", policy_name="particle-enterprise", region="na")
    Contact.objects.create(organization=org, email="jane@acme.example")
    InboundAddress.objects.create(address=f"acme@{DOMAIN}", organization=org)
    settings.SLADESK_EMAIL = {"domains": DOMAIN, "rate_limit": 1_000_000}
    worker = IntakeWorker().start(smtp_bind="127.0.0.1:0", imap=False)
    port = worker.smtp.port
    # the senders run in their own process, as real mail comes from elsewhere: their CPU
    # and their GIL are not the server's
    sender = subprocess.Popen(
        [sys.executable, __file__, "--send", str(port), "--messages", str(messages)], stdout=subprocess.PIPE, text=True
    )
    assert sender.stdout is not None
    assert sender.stdout.readline().strip() == "ready"
    started, cpu_started = time.perf_counter(), time.process_time()
    sender.stdout.readline()  # "go" printed when the first send starts
    sender.wait()
    if sender.returncode:
        raise SystemExit(f"sender failed ({sender.returncode})")
    sent = time.perf_counter() - started
    while InboundMessage.objects.filter(state="received").exists():
        time.sleep(0.05)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    worker.stop()
    states = dict(InboundMessage.objects.values_list("state").annotate(n=django.db.models.Count("id")))
    vendor = django.db.connection.vendor
    print(f"{vendor:10} {messages} messages: accepted in {sent:.1f} s, processed in {total:.1f} s "
          f"= {messages / total:.0f} messages/s; "
          f"CPU {cpu / messages * 1000:.2f} ms/message (server process, SMTP + store + processing; "
          f"{messages / cpu:.0f}/s on one free core)  {states}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--database-url", default=None, help="one database (default: SQLite file and PostgreSQL)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--send", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.send:
        send_all(args.send, args.messages)
        return 0
    if args.child:
        run_one(args.messages)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        urls = [args.database_url] if args.database_url else [f"sqlite:///{tmp}/bench.sqlite3", PG_URL]
        for url in urls:
            if url.startswith("postgres"):
                subprocess.run(["psql", url.rsplit("/", 1)[0] + "/postgres", "-qc",
                                f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]}"], check=False, capture_output=True)
                subprocess.run(["psql", url.rsplit("/", 1)[0] + "/postgres", "-qc",
                                f"CREATE DATABASE {url.rsplit('/', 1)[1]}"], check=False, capture_output=True)
            env = {**os.environ, "DATABASE_URL": url, "SLADESK_VAR_DIR": tmp, "SLADESK_LOG_LEVEL": "WARNING"}
            subprocess.run([sys.executable, __file__, "--child", "--messages", str(args.messages)], env=env, check=True)
    print("django-helpdesk get_email: not measured (django-helpdesk is not installed here)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
