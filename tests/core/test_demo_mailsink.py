"""The demo mail sink: what `sladesk run` sends without an SMTP server lands as .eml files."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from pathlib import Path

from sladesk.demo.mailsink import start_mail_sink


def test_a_mail_sent_to_the_sink_is_written_as_an_eml_file(tmp_path: Path) -> None:
    # given a running sink
    sink = start_mail_sink(tmp_path / "sent-mail")
    try:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = (
            "desk@example.com",
            "acme@example.com",
            "[#7] Hello",
        )
        msg.set_content("We are on it.")
        # when the desk sends a mail to it
        with smtplib.SMTP(sink.hostname, sink.port, timeout=10) as smtp:
            refused = smtp.send_message(msg)
    finally:
        sink.stop()
    # then it is accepted and stored byte for byte as one .eml file
    files = sorted((tmp_path / "sent-mail").glob("*.eml"))
    assert refused == {}
    assert len(files) == 1
    stored = files[0].read_bytes()
    assert b"Subject: [#7] Hello" in stored and b"We are on it." in stored
