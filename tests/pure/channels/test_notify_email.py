"""E-mail over SMTP against a capturing aiosmtpd server on loopback."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from sladesk.notify import EmailConfig, Notification, Outcome, deliver
from sladesk.notify.channels.email import message_id_for, send_email
from support.receivers import SilentTcpServer, SmtpCapture, free_port

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "smtp-pa55word-9f8e7d"

# aiosmtpd warns that AUTH without TLS is unsafe; on loopback in a test it is what we want.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

MakeCapture = Callable[..., SmtpCapture]
MakeNotification = Callable[..., Notification]


def config_for(port: int, **overrides: object) -> EmailConfig:
    values: dict[str, object] = {
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "from_addr": "desk@support.example.com",
        "to_addrs": ("oncall@example.com",),
        "timeout": 2.0,
    }
    values.update(overrides)
    return EmailConfig(**values)  # type: ignore[arg-type]


def test_the_captured_message_has_the_documented_headers_and_body(
    smtp_capture: MakeCapture, make_notification: MakeNotification
) -> None:
    # given a capturing SMTP server
    smtp = smtp_capture()
    notification = make_notification(channel="email")

    # when the notification is e-mailed
    result = send_email(notification, config_for(smtp.port), now=NOW)

    # then it was accepted and arrived exactly as documented
    assert result.outcome is Outcome.DELIVERED
    assert result.status_code == 250
    (received,) = smtp.messages
    assert received.mail_from == "desk@support.example.com"
    assert received.rcpt_tos == ["oncall@example.com"]
    message = received.message
    assert message["Subject"] == "[CRITICAL] P1 ticket #1042 breached first_response"
    assert message["From"] == "desk@support.example.com"
    assert message["To"] == "oncall@example.com"
    assert message["Date"] == "Mon, 02 Mar 2026 09:00:00 +0000"
    assert message["Message-ID"] == message_id_for("timer-42:gen-3", "support.example.com")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Sladesk-Idempotency-Key"] == "timer-42:gen-3"
    assert message.get_content().replace("\r\n", "\n") == (
        "Customer ACME is down; first response was due 10:00 UTC.\n\n"
        "#1042: https://desk.example.com/tickets/1042\n"
    )


def test_a_resend_carries_the_same_message_id(
    smtp_capture: MakeCapture, make_notification: MakeNotification
) -> None:
    smtp = smtp_capture()
    config = config_for(smtp.port)
    send_email(make_notification(channel="email"), config)
    send_email(make_notification(channel="email"), config)
    send_email(make_notification(channel="email", idempotency_key="timer-43:gen-1"), config)
    ids = [m.message["Message-ID"] for m in smtp.messages]
    assert ids[0] == ids[1] != ids[2]
    assert ids[0].startswith("<sladesk.") and ids[0].endswith("@support.example.com>")


@pytest.mark.parametrize(
    ("data_reply", "outcome", "code"),
    [
        ("451 4.7.1 Greylisted, try again later", Outcome.RETRY, 451),
        ("452 4.3.1 Insufficient system storage", Outcome.RETRY, 452),
        ("550 5.7.1 Message rejected as spam", Outcome.FAILED, 550),
        ("554 5.6.0 Message content rejected", Outcome.FAILED, 554),
    ],
)
def test_smtp_replies_to_data_are_classified(
    smtp_capture: MakeCapture,
    make_notification: MakeNotification,
    data_reply: str,
    outcome: Outcome,
    code: int,
) -> None:
    smtp = smtp_capture(data_replies=[data_reply])
    result = send_email(make_notification(channel="email"), config_for(smtp.port))
    assert (result.outcome, result.status_code) == (outcome, code)
    assert data_reply.split(" ", 1)[1] in result.detail
    assert smtp.messages == []


def test_greylisting_then_acceptance_delivers_once(
    smtp_capture: MakeCapture, make_notification: MakeNotification
) -> None:
    smtp = smtp_capture(data_replies=["451 4.7.1 Greylisted"])
    config = config_for(smtp.port)
    notification = make_notification(channel="email")
    outcomes = [deliver(notification, config).outcome for _ in range(2)]
    assert outcomes == [Outcome.RETRY, Outcome.DELIVERED]
    assert len(smtp.messages) == 1


@pytest.mark.parametrize(
    ("rcpt_reply", "outcome"),
    [("550 5.1.1 No such user", Outcome.FAILED), ("450 4.2.1 Mailbox busy", Outcome.RETRY)],
)
def test_a_refused_sole_recipient_is_classified(
    smtp_capture: MakeCapture,
    make_notification: MakeNotification,
    rcpt_reply: str,
    outcome: Outcome,
) -> None:
    smtp = smtp_capture(rcpt_replies={"oncall@example.com": rcpt_reply})
    result = send_email(make_notification(channel="email"), config_for(smtp.port))
    assert result.outcome is outcome
    assert result.status_code == int(rcpt_reply[:3])


def test_a_partially_refused_mail_counts_as_delivered(
    smtp_capture: MakeCapture, make_notification: MakeNotification
) -> None:
    smtp = smtp_capture(rcpt_replies={"gone@example.com": "550 5.1.1 No such user"})
    config = config_for(smtp.port, to_addrs=("oncall@example.com", "gone@example.com"))
    result = send_email(make_notification(channel="email"), config)
    assert result.outcome is Outcome.DELIVERED
    assert result.detail == "accepted for 1 of 2 recipients; 1 refused"
    assert smtp.messages[0].rcpt_tos == ["oncall@example.com"]


def test_login_with_configured_credentials(
    smtp_capture: MakeCapture, make_notification: MakeNotification
) -> None:
    smtp = smtp_capture(credentials=("desk", PASSWORD))
    config = config_for(smtp.port, username="desk", password=PASSWORD)
    assert send_email(make_notification(channel="email"), config).outcome is Outcome.DELIVERED
    assert len(smtp.messages) == 1


def test_a_wrong_password_fails_permanently_without_leaking_it(
    smtp_capture: MakeCapture, make_notification: MakeNotification
) -> None:
    smtp = smtp_capture(credentials=("desk", PASSWORD))
    config = config_for(smtp.port, username="desk-user", password="wrong-" + PASSWORD)
    result = send_email(make_notification(channel="email"), config)
    assert (result.outcome, result.status_code) == (Outcome.FAILED, 535)
    for secret in ("wrong-" + PASSWORD, "desk-user", "127.0.0.1"):
        assert secret not in result.detail
        assert secret not in repr(config)


def test_starttls_required_but_not_offered_fails_permanently(
    smtp_capture: MakeCapture, make_notification: MakeNotification
) -> None:
    smtp = smtp_capture()
    result = send_email(
        make_notification(channel="email"), config_for(smtp.port, security="starttls")
    )
    assert result.outcome is Outcome.FAILED
    assert "STARTTLS" in result.detail
    assert smtp.messages == []


def test_a_server_that_never_greets_is_a_timeout_to_retry(
    silent_server: SilentTcpServer, make_notification: MakeNotification
) -> None:
    result = send_email(
        make_notification(channel="email"), config_for(silent_server.port, timeout=0.2)
    )
    assert result.outcome is Outcome.RETRY
    assert result.detail == "timed out after 0.2 s"


def test_a_refused_connection_is_retried(make_notification: MakeNotification) -> None:
    result = send_email(make_notification(channel="email"), config_for(free_port()))
    assert result.outcome is Outcome.RETRY
    assert result.detail == "connection error (ConnectionRefusedError)"


def test_a_config_needs_a_recipient() -> None:
    with pytest.raises(ValueError, match="recipient"):
        config_for(25, to_addrs=())
