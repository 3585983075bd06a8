"""HTML sanitising: scripts gone, remote images blocked, inline cid: images kept."""

from __future__ import annotations

import pytest

from sladesk.intake.email.content import html_to_text
from sladesk.intake.email.parse import parse_message
from sladesk.intake.email.sanitize import sanitize_html


@pytest.mark.parametrize(
    ("markup", "absent"),
    [
        ('<img src="https://tracker.example/p.gif">', "tracker.example"),
        ('<img src="http://tracker.example/p.gif">', "tracker.example"),
        ('<img src="//tracker.example/p.gif">', "tracker.example"),
        ('<img src="data:image/png;base64,AAAA">', "data:"),
        ("<script>alert(1)</script>", "alert"),
        ('<p onclick="steal()">x</p>', "steal"),
        ('<a href="javascript:steal()">x</a>', "javascript"),
        ('<div style="background:url(https://t.example/x)">x</div>', "t.example"),
        ("<iframe src='https://evil.example'></iframe>", "evil"),
    ],
)
def test_dangerous_and_remote_content_is_removed(markup: str, absent: str) -> None:
    assert absent not in sanitize_html(markup)


def test_inline_cid_images_and_links_survive() -> None:
    clean = sanitize_html('<img src="cid:logo@x" alt="logo"><a href="https://ok.example">ok</a>')
    assert 'src="cid:logo@x"' in clean
    assert 'href="https://ok.example"' in clean and "noopener" in clean


def test_html_only_mail_gets_text_and_safe_html() -> None:
    # given an HTML-only message with a tracking pixel
    raw = (
        b"From: a@c.example\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<p>Hello&nbsp;there</p><img src='https://t.example/p.gif'>"
        b"<blockquote>old</blockquote>"
    )
    parsed = parse_message(raw)
    # then text is derived from it (quotes marked) and the pixel is gone from the safe copy
    assert parsed.text == "Hello there\n\n> old"
    assert parsed.html is not None and "t.example" in parsed.html
    assert parsed.html_safe is not None and "t.example" not in parsed.html_safe


def test_html_to_text_drops_head_and_style() -> None:
    markup = "<html><head><title>T</title><style>p{}</style></head><body>Hi<br>there</body></html>"
    assert html_to_text(markup) == "Hi\nthere"
