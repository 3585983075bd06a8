"""Reply extraction on real reply chains from several mail clients, and on edge cases."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from sladesk.intake.email.parse import ParsedMessage
from sladesk.intake.email.reply import extract_reply

Load = Callable[[str], ParsedMessage]


@pytest.mark.parametrize(
    ("client", "quoted_start"),
    [
        ("gmail", "On Mon, Apr 2, 2012 at 6:26 PM, Megan One <xxx@gmail.com> wrote:"),
        ("apple_mail", "On Apr 3, 2012, at 4:19 PM, bob wrote:"),
        ("apple_mail_2", "> On 22 Aug 2015, at 19:21, Adam Renberg"),
        ("iphone", "Sent from my iPhone"),
        ("outlook", "From: xxx@xxx.mailgun.org [mailto:xxx@xxx.mailgun.org]"),
        ("hotmail", "> Subject: Test"),
        ("aol", "-----Original Message-----"),
        ("comcast", "----- Original Message -----"),
        ("yahoo", "----- Original Message -----"),
        ("sparrow", "--"),
        ("thunderbird", "On 04/02/2012 06:26 PM, Megan One wrote:"),  # bottom-posted
        ("android", '02.04.2012 14:20 пользователь "bob@xxx.mailgun.org" <'),  # Russian
    ],
)
def test_new_text_is_separated_from_history(
    corpus_message: Load, client: str, quoted_start: str
) -> None:
    # given a real reply "Hello" to "Hi" written in one mail client
    parsed = corpus_message(f"mailgun-talon/standard_replies/{client}.eml")
    # when the reply is extracted
    new_text, quoted_text = extract_reply(parsed.text)
    # then only the new line is new, and the history starts where the client put it
    assert new_text == "Hello"
    assert quoted_text.startswith(quoted_start)


def test_italian_outlook_reply_with_signature(corpus_message: Load) -> None:
    parsed = corpus_message("spamscope-mail-parser/mail_test_7")
    new_text, quoted_text = extract_reply(parsed.text)
    assert new_text.startswith("Ciao sere mi puoi dire se il mio cliente")
    assert quoted_text.startswith("Da: export@agade.info")


@pytest.mark.parametrize(
    "relative",
    [
        "webklex-php-imap/issue-348.eml",  # "-------- Original Message --------" first
        "django-helpdesk/utf-nondecodable.eml",  # "-------- Forwarded Message --------"
        "mailgun-flanker/multi-received-headers.eml",  # Gmail "---------- Forwarded message"
    ],
)
def test_a_bare_forward_keeps_everything_as_new_text(corpus_message: Load, relative: str) -> None:
    # given a forward with nothing written above it
    parsed = corpus_message(relative)
    # when extracted / then nothing is hidden from the agent
    new_text, quoted_text = extract_reply(parsed.text)
    assert quoted_text == ""
    assert len(new_text) > 100


@pytest.mark.parametrize(
    ("text", "new_text", "quoted_text"),
    [
        ("", "", ""),
        ("Just a question.\n", "Just a question.", ""),
        (
            "Danke!\n\nVon: Support <s@x.de>\nGesendet: Montag, 3. Juni 2024 10:00\n"
            "An: kunde@y.de\nBetreff: Ticket\n\nAlt",
            "Danke!",
            "Von: Support <s@x.de>",
        ),
        (
            "Merci\n\nLe lun. 3 juin 2024 à 10:00, Support <s@x.fr> a écrit :\n> Ancien",
            "Merci",
            "Le lun. 3 juin 2024",
        ),
        ("New words\n\n> old words\n> more old words", "New words", "> old words"),
        ("Fixed it.\n\n-- \nJane Doe\nACME Ops", "Fixed it.", "--"),
    ],
)
def test_reply_extraction_table(text: str, new_text: str, quoted_text: str) -> None:
    new, quoted = extract_reply(text)
    assert new == new_text
    assert quoted.startswith(quoted_text)


def test_interleaved_answers_are_kept_with_their_questions() -> None:
    # given a customer answering inline between quoted questions
    text = "> Which version?\n2.4.1\n> Which OS?\nDebian 12"
    # when extracted / then the quotes stay: the answers mean nothing alone
    new_text, quoted_text = extract_reply(text)
    assert new_text == text
    assert quoted_text == ""


def test_indentation_of_pasted_config_is_kept() -> None:
    text = (
        "Our config:\n\nserver:\n    port: 25\n    tls: true\n\n"
        "On Mon, 1 Jan 2024, Bob <b@x.io> wrote:\n> hi"
    )
    new_text, _ = extract_reply(text)
    assert "    port: 25" in new_text


def test_every_non_blank_line_survives(corpus_message: Load) -> None:
    parsed = corpus_message("mailgun-talon/standard_replies/outlook.eml")
    new_text, quoted_text = extract_reply(parsed.text)
    original = {line.strip() for line in parsed.text.splitlines() if line.strip()}
    kept = {line.strip() for line in (new_text + "\n" + quoted_text).splitlines()}
    assert original <= kept


def test_very_long_text_is_bounded_and_kept(corpus_message: Load) -> None:
    # given a 1.1 MB bug report pasted into a mail
    parsed = corpus_message("nodemailer-mailparser/large_text.eml")
    new_text, quoted_text = extract_reply(parsed.text)
    # then nothing is lost
    assert len(new_text) + len(quoted_text) >= len(parsed.text.strip()) * 0.99
