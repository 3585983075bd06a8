"""Every real-world corpus message parses; spot checks of decoded values in known files."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from sladesk.intake.email.parse import ParsedMessage, parse_message
from support.corpus import CORPUS, corpus_cases, require_corpus

Load = Callable[[str], ParsedMessage]
PATHS = corpus_cases()


def test_corpus_is_present_with_all_304_messages() -> None:
    # given the corpus beside the repo / then the manifest lists all of it
    require_corpus()
    assert len(PATHS) == 304


@pytest.mark.parametrize("relative", PATHS)
def test_every_corpus_message_parses_without_exception(relative: str) -> None:
    # given a raw real-world message
    raw = (CORPUS / relative).read_bytes()
    # when it is parsed
    parsed = parse_message(raw)
    # then a complete value comes back, with an id and NUL-free text
    assert parsed.parse_error is None
    assert parsed.message_id.startswith("<") and parsed.message_id.endswith(">")
    assert parsed.raw_size == len(raw)
    assert "\x00" not in parsed.text and "\x00" not in parsed.subject
    assert parsed.date is None or parsed.date.tzinfo is not None
    assert all(a.size == len(a.payload) for a in parsed.attachments)


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x00\xff\xfe garbage", b"Subject: only a header", b"\r\n\r\n\r\n", bytes(range(256))],
)
def test_junk_input_still_gives_a_result(raw: bytes) -> None:
    # when junk is parsed / then there is a stable synthesised id and no exception
    parsed = parse_message(raw)
    assert parsed.message_id_synthesised
    assert parsed.message_id == parse_message(raw).message_id


@pytest.mark.parametrize(
    ("relative", "subject", "text_start"),
    [
        ("mikel-mail/plain_emails/raw_email.eml", "NOTE: 한국말로 하는 것", "대부분의 마찬가지로"),
        ("mikel-mail/multi_charset/japanese_shift_jis.eml", "test", "あいうえお"),
        ("mikel-mail/multi_charset/japanese_iso_2022.eml", "まみむめも", "すみません。"),
        ("mikel-mail/rfc2822/example14.eml", "Re: TESTテストテスト", "Hello"),
        (
            "django-mailbox/message_with_koi8r_filename_attachments.eml",
            "Предложения от НИУ ВШЭ на 2016 год",
            "Добрый день, уважаемые коллеги.",
        ),
        # declared gb2312, really UTF-8: read as UTF-8
        ("spamscope-mail-parser/mail_test_12", "代开各地增值税发票", "你好"),
        # Python has no codec for these labels: graceful fallback, no exception
        ("mikel-mail/plain_emails/raw_email10.eml", "", "Test test. Hi. Waving. m"),
        ("webklex-php-imap/gbk_charset.eml", "Nuu", "Hi"),
        ("jhillyerd-enmime/low-quality/unk-charset-part.raw", "Attachment", "A text section"),
        (
            "jhillyerd-enmime/mail/qp-utf8-header-recursed.raw",
            "MIME UTF8 Test ¢ More Text",
            "Lorem",
        ),
        ("webklex-php-imap/unknown_encoding.eml", "test", "MyPlain"),
    ],
)
def test_charsets_decode_to_known_text(
    corpus_message: Load, relative: str, subject: str, text_start: str
) -> None:
    # given a message in a legacy or broken charset / when parsed
    parsed = corpus_message(relative)
    # then subject and body read as the sender wrote them
    assert parsed.subject == subject
    assert parsed.text.startswith(text_start)


def test_headers_and_addresses_are_normalised(corpus_message: Load) -> None:
    # given a plain Korean message from 37signals
    parsed = corpus_message("mikel-mail/plain_emails/raw_email.eml")
    # then ids are bracketed, addresses lower-case, the date aware
    assert parsed.message_id == "<d3b8cf8e49f04480850c28713a1f473e@37signals.com>"
    assert parsed.from_address == "jamis@37signals.com"
    assert parsed.date == datetime(2005, 5, 2, 22, 7, 5, tzinfo=UTC)


def test_reply_headers_are_read(corpus_message: Load) -> None:
    parsed = corpus_message("mailgun-talon/standard_replies/apple_mail_2.eml")
    expected = "<CABzQGhkMXDxUt_tSVQcg=43aniUhtsVfCZVzu-PG0kwS_uzqMw@mail.gmail.com>"
    assert parsed.in_reply_to == expected
    assert parsed.references == (expected,)
    assert parsed.from_name == "Adam Renberg"


def test_missing_message_id_is_synthesised_from_the_bytes(corpus_message: Load) -> None:
    parsed = corpus_message("webklex-php-imap/gbk_charset.eml")
    assert parsed.message_id_synthesised
    assert parsed.message_id.startswith("<sha256-") and parsed.message_id.endswith(
        "@sladesk.invalid>"
    )


def test_calendar_invite_is_kept_as_attachment(corpus_message: Load) -> None:
    parsed = corpus_message("php-mime-mail-parser/m0020")
    (invite,) = parsed.attachments
    assert invite.content_type == "text/calendar"
    assert b"BEGIN:VCALENDAR" in invite.payload


def test_forwarded_messages_are_kept_whole(corpus_message: Load) -> None:
    # given the torture test with ten encapsulated messages
    parsed = corpus_message("mailgun-flanker/torture.eml")
    forwards = [a for a in parsed.attachments if a.content_type == "message/rfc822"]
    # then each is an .eml attachment, not flattened into the body
    assert len(forwards) >= 3
    assert len({a.filename for a in forwards}) == len(forwards)
    assert parsed.text.startswith("This is a demonstration of multi-part mail")


def test_inline_images_keep_content_id_and_html_is_sanitised(corpus_message: Load) -> None:
    parsed = corpus_message("spamscope-mail-parser/mail_test_2")  # 1.5 MB
    inline = {a.content_id: a for a in parsed.attachments if a.inline}
    assert set(inline) == {"intestazione.jpg", "logo.jpg"}
    assert parsed.html_safe is not None and "<script" not in parsed.html_safe
    assert parsed.raw_size > 1_000_000
    assert any(a.filename == "Bollettino.pdf" and a.size > 1_000_000 for a in parsed.attachments)


def test_attachment_names_in_koi8r_are_decoded(corpus_message: Load) -> None:
    parsed = corpus_message("django-mailbox/message_with_koi8r_filename_attachments.eml")
    assert [a.filename for a in parsed.attachments] == [
        "Пакет предложений HSE Career Fair 8 апреля 2016.pdf",
        "Ведомости.pdf",
        "Пакет предложений 2016.pptx",
    ]


def test_nul_bytes_and_broken_mime_give_defects_not_errors(corpus_message: Load) -> None:
    parsed = corpus_message("spamscope-mail-parser/mail_malformed_3")
    assert "StartBoundaryNotFoundDefect" in parsed.defects
    assert parsed.parse_error is None
    assert "\x00" not in parsed.text
    # the boundary the parts really use was found: the text, not raw MIME parts
    assert "MimeRecovered" in parsed.defects
    assert "Content-Transfer-Encoding" not in parsed.text and "Ver on-line" in parsed.text


@pytest.mark.parametrize(
    ("relative", "reason_start"),
    [
        ("mikel-mail/multipart_report_emails/report_530.eml", "delivery-status"),
        ("mailgun-flanker/bounce/office365.eml", "delivery-status"),
        ("mailgun-flanker/bounce/gmail-no-dns.eml", "sender is mailer-daemon"),
        ("webklex-php-imap/issue-462.eml", "sender is postmaster"),
    ],
)
def test_bounces_are_recognised(corpus_message: Load, relative: str, reason_start: str) -> None:
    parsed = corpus_message(relative)
    assert parsed.is_bounce
    assert parsed.bounce_reason is not None and parsed.bounce_reason.startswith(reason_start)


def test_dsn_parts_are_kept_as_attachments(corpus_message: Load) -> None:
    parsed = corpus_message("mailgun-flanker/bounce/zed.eml")
    types = {a.content_type for a in parsed.attachments}
    assert {"message/delivery-status", "message/rfc822"} <= types


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        ("mailgun-flanker/bounce/mailbox-full.eml", "Auto-Submitted: auto-replied"),
        ("mikel-mail/multipart_report_emails/report_422.eml", "Auto-Submitted: auto-generated"),
        ("mailgun-flanker/disposition-notification.eml", "report-type: disposition-notification"),
        ("php-mime-mail-parser/issue212", "auto-reply subject: Automatyczna odpowiedź"),
    ],
)
def test_auto_replies_are_recognised(corpus_message: Load, relative: str, reason: str) -> None:
    parsed = corpus_message(relative)
    assert parsed.auto_submitted
    assert parsed.auto_submitted_reason is not None
    assert parsed.auto_submitted_reason.startswith(reason)


@pytest.mark.parametrize(
    "relative",
    ["mailgun-talon/standard_replies/gmail.eml", "mikel-mail/plain_emails/raw_email.eml"],
)
def test_human_mail_is_neither_auto_reply_nor_bounce(corpus_message: Load, relative: str) -> None:
    parsed = corpus_message(relative)
    assert not parsed.auto_submitted and not parsed.is_bounce
