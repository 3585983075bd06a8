"""Fixtures for the email channel tests: a routed customer, the SMTP server on an ephemeral
loopback port, and a capturing SMTP receiver for outbound mail."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller
from email_helpers import DOMAIN, Captured, EphemeralController, wait_for

from sladesk.intake.models import InboundAddress

__all__: list[str] = []


@pytest.fixture
def acme(make_org, make_contact):
    """A Particle enterprise customer with an alias and a known contact."""
    org = make_org("particle-enterprise", region="na", name="Acme", allow_unknown_senders=True,
                   timezone="America/Los_Angeles")
    make_contact(org, "jane@acme.example")
    InboundAddress.objects.create(address=f"acme@{DOMAIN}", organization=org, kind="customer")
    return org


@pytest.fixture
def smtp_server(settings) -> Iterator[Controller]:
    """The sladesk SMTP server on 127.0.0.1:<ephemeral>, without the processing loop
    (tests call `process_pending` themselves, so only one thread writes at a time)."""
    from sladesk.intake.smtp_server import start_smtp

    settings.SLADESK_EMAIL = {**getattr(settings, "SLADESK_EMAIL", {}), "domains": DOMAIN, "max_message_bytes": 200_000}
    controller = start_smtp("127.0.0.1:0")
    yield controller
    controller.stop()


@pytest.fixture
def capture(settings) -> Iterator[Captured]:
    """A capturing SMTP receiver; Django's EMAIL_* settings point the outbox at it."""
    captured = Captured()
    controller = EphemeralController(captured, hostname="127.0.0.1", port=0)
    controller.start()
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield captured
    controller.stop()


@pytest.fixture
def corpus_dir():
    """The shared real-world email corpus beside the repository (or beside the directory
    of worktrees holding it); ``SLADESK_EMAIL_CORPUS`` names another place."""
    import os
    from pathlib import Path

    here = Path(__file__).resolve()
    candidates = [Path(os.environ["SLADESK_EMAIL_CORPUS"])] if os.environ.get("SLADESK_EMAIL_CORPUS") else []
    candidates += [parent / "shared" / "email-corpus" for parent in here.parents[3:5]]
    path = next((c for c in candidates if c.is_dir()), candidates[0])
    if not path.is_dir():
        pytest.fail(f"email corpus not found at {path}")
    return path


_DOVECOT_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{dir}/mail/%u
default_internal_user = dovecot
default_internal_group = dovecot
default_login_user = dovenull
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = {dir}/passwd
}}
userdb {{
  driver = static
  args = uid=dovecot gid=dovecot home={dir}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


@dataclass
class Dovecot:
    """A running Dovecot IMAP server on loopback with one user (``desk`` / ``secret``)."""

    port: int
    user: str = "desk"
    password: str = "secret"

    def client(self):
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """Debian's dovecot-imapd started from a generated config in a fresh temporary directory
    (as root; readable by the ``dovecot`` user, which owns the mail — pytest's own tmp_path
    is private to root). Skips where it is not installed — fails in CI."""
    import os
    import pwd
    import shutil
    import socket
    import subprocess
    import tempfile
    from pathlib import Path

    if shutil.which("dovecot") is None or os.geteuid() != 0:
        message = "dovecot-imapd is not installed (apt-get install -y dovecot-imapd) or not root"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    tmp_path = Path(tempfile.mkdtemp(prefix="sladesk-dovecot-"))
    for sub in ("run", "state", "mail", "home"):
        (tmp_path / sub).mkdir()
    os.chmod(tmp_path, 0o755)
    owner = pwd.getpwnam("dovecot")
    for sub in ("mail", "home"):
        os.chown(tmp_path / sub, owner.pw_uid, owner.pw_gid)
    (tmp_path / "passwd").write_text("desk:{PLAIN}secret\n")
    conf_path = tmp_path / "dovecot.conf"
    conf_path.write_text(_DOVECOT_CONF.format(dir=tmp_path, port=port))
    process = subprocess.Popen(["dovecot", "-F", "-c", str(conf_path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _listening(port), 15, "dovecot to listen")
        yield Dovecot(port)
    finally:
        process.terminate()
        process.wait(timeout=15)
        shutil.rmtree(tmp_path, ignore_errors=True)


def _listening(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
